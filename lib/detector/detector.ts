import type { Backend, Tensor } from '../backends/backend.js';
import { OnnxRuntimeBackend, type OnnxRuntimeOptions } from '../backends/onnxruntime.js';
import { TensorRtBackend, type TensorRtOptions } from '../backends/tensorrt.js';
import { capabilities } from '../capabilities.js';
import { LIMITS, PREDICT, SERVICE } from '../defaults.js';
import { BadInputError, TrtjsError } from '../errors.js';
import { loadImage } from '../image/load.js';
import { validateRawImage, type RawImage } from '../image/raw-image.js';
import { Resource } from '../lifetime.js';
import type { ModelInfo } from '../model/model-info.js';
import { isModelSource, readModelFile, type ModelFile, type ModelSource } from '../model/read-model.js';
import { decode, detectHeadLayout, type DecodeOptions } from '../ops/decode.js';
import { letterboxAsync, letterboxOwnedAsync, type LetterboxDtype, type LetterboxResult } from '../ops/letterbox.js';
import { scaleBoxes } from '../ops/scale-boxes.js';
import { RequestQueue } from '../util/request-queue.js';
import * as check from '../util/validate.js';
import type { Detection } from './detection.js';

/** An image: a file path, an encoded JPEG/PNG/WebP buffer, or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** Per-call options, with Ultralytics predict's defaults. */
export type DetectOptions = Pick<DecodeOptions, 'conf' | 'iou' | 'maxDet' | 'classes' | 'agnostic' | 'multiLabel'> & {
  /** Settles the request at once with ERR_ABORTED, whether it waits or runs. */
  signal?: AbortSignal;
};

export interface DetectorOptions extends Omit<DetectOptions, 'signal'> {
  /** 'auto' (default): TensorRT for engines, ONNX Runtime for ONNX models (build an engine to use TensorRT). */
  backend?: 'auto' | 'onnxruntime' | 'tensorrt';
  /** Inference size [height, width] or a number, for models with dynamic input (default: metadata imgsz, else 640). */
  imgsz?: number | [number, number];
  /** Minimal-rectangle padding on dynamic models, as Ultralytics predict does (`rect=True`). Default true. */
  rect?: boolean;
  /** ONNX Runtime threads. */
  onnxruntime?: OnnxRuntimeOptions;
  /** TensorRT device and execution contexts. */
  tensorrt?: TensorRtOptions;
  /**
   * Requests processed at once: each decodes its image, letterboxes, infers and decodes the output. Default: the
   * backend's parallelism plus one, so the next image is prepared while the backend is busy.
   */
  concurrency?: number;
  /** Requests that may wait for a slot (default 1024); one more rejects with ERR_QUEUE_FULL. */
  maxQueue?: number;
  /** Largest decoded image, in pixels (default 8192 x 8192). */
  maxPixels?: number;
}

interface InputSpec {
  name: string;
  dtype: LetterboxDtype;
  size: [number, number];
  dynamicSize: boolean;
  dynamicBatch: boolean;
}

type Resolved = Required<Omit<DetectOptions, 'classes' | 'signal'>> & Pick<DetectOptions, 'classes' | 'signal'>;

/**
 * Image in, detections out: decode the image → letterbox → backend → decode + NMS → scaleBoxes, configured from the
 * model's metadata (class names, input size, stride, head). Results match Ultralytics' predict on the same image and
 * model.
 *
 * Requests are answered in a bounded queue (`maxQueue`): an image is decoded only when a slot takes it, letterboxing
 * runs off the event loop, and every request settles exactly once, with its detections or a coded error
 * (ERR_ABORTED, ERR_DISPOSED, ERR_QUEUE_FULL, …), whatever happens meanwhile.
 *
 * @example
 * ```ts
 * const detector = await Detector.create('yolov8n.onnx');
 * try {
 *   for (const d of await detector.detect('bus.jpg')) console.log(d.className, d.score.toFixed(2), d.box);
 * } finally {
 *   await detector.dispose();
 * }
 * ```
 */
export class Detector extends Resource {
  readonly backend: Backend;
  readonly info: ModelInfo;
  readonly #input: InputSpec;
  readonly #defaults: Resolved;
  readonly #rect: boolean;
  readonly #maxPixels: number;
  readonly #queue: RequestQueue;
  /** Requests processed at once (options.concurrency). */
  readonly concurrency: number;

  private constructor(backend: Backend, options: DetectorOptions) {
    super('Detector');
    this.backend = backend;
    this.info = backend.info;
    this.#input = inputSpec(this.info, options.imgsz);
    checkModel(this.info);
    this.#rect = check.optional(options.rect, true, (v) => check.boolean('Detector.create: options.rect', v));
    this.#defaults = resolveDetectOptions('Detector.create: options', options, PREDICT);
    this.#maxPixels = check.optional(options.maxPixels, SERVICE.maxPixels, (v) => check.integer('Detector.create: options.maxPixels', v, 1, Number.MAX_SAFE_INTEGER));
    const parallel = backend instanceof TensorRtBackend ? backend.contexts : 1;
    this.concurrency = check.optional(options.concurrency, parallel + 1, (v) => check.integer('Detector.create: options.concurrency', v, 1, 1024));
    const maxQueue = check.optional(options.maxQueue, SERVICE.maxQueue, (v) => check.integer('Detector.create: options.maxQueue', v, 0, 1e9));
    this.#queue = new RequestQueue('Detector.detect', this.concurrency, maxQueue);
  }

  /** Opens a model (path or bytes of ONNX or an engine), or wraps an already loaded backend (disposed with it). */
  static async create(model: ModelSource | Backend, options?: DetectorOptions): Promise<Detector> {
    const o = check.options<DetectorOptions>('Detector.create: options', options);
    const choice = check.optional(o.backend, 'auto' as const, (v) => check.oneOf('Detector.create: options.backend', v, ['auto', 'onnxruntime', 'tensorrt'] as const));
    resolveDetectOptions('Detector.create: options', o, PREDICT);
    const owned = isModelSource(model);
    let backend: Backend;
    if (owned) {
      backend = await openBackend(await readModelFile(model, 'any', 'Detector.create'), choice, o);
    } else {
      backend = checkBackend(model);
    }
    try {
      return new Detector(backend, o);
    } catch (err) {
      if (owned) await backend.dispose();
      throw err;
    }
  }

  /** Input size [height, width] images are letterboxed to. */
  get imgsz(): [number, number] {
    return [...this.#input.size];
  }

  /** Requests running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#queue.running, waiting: this.#queue.waiting };
  }

  /** Detects objects in one image. */
  async detect(image: ImageInput, options?: DetectOptions): Promise<Detection[]> {
    const [result] = await this.detectBatch([image], options);
    return result;
  }

  /**
   * Detects objects in several images, as one request: one inference with a batch where the model's batch is
   * dynamic, one per image otherwise. Results are in input order.
   */
  async detectBatch(images: ImageInput[], options?: DetectOptions): Promise<Detection[][]> {
    this.assertAlive();
    if (!Array.isArray(images)) check.fail('detectBatch: images', 'an array of images', images);
    if (images.length > LIMITS.batch) check.fail('detectBatch: images', `at most ${LIMITS.batch} images`, images);
    images.forEach((img, i) => checkImageInput(`detect: images[${i}]`, img));
    const opts = { ...this.#defaults, ...resolveDetectOptions('detect: options', options, {}) } as Resolved;
    return this.#queue.run(() => this.#process(images, opts), opts.signal);
  }

  async #process(images: ImageInput[], opts: Resolved): Promise<Detection[][]> {
    const batch = images.length > 1;
    const boxed = await Promise.all(images.map((img, i) => this.#prepare(img, `detect: images[${i}]`, batch, opts.signal)));
    const results: Detection[][] = [];
    if (this.#input.dynamicBatch && boxed.length > 1) {
      results.push(...this.#postprocess(await this.#infer(boxed, opts.signal), boxed, opts));
    } else {
      for (const lb of boxed) results.push(...this.#postprocess(await this.#infer([lb], opts.signal), [lb], opts));
    }
    return results;
  }

  /** Decodes (files and encoded buffers) and letterboxes one image, both off the event loop. */
  async #prepare(image: ImageInput, name: string, batch: boolean, signal?: AbortSignal): Promise<LetterboxResult<LetterboxDtype>> {
    // A batch needs one tensor size: pad every image to the full size then.
    const auto = this.#input.dynamicSize && this.#rect && !batch;
    const options = { size: this.#input.size, auto, stride: this.info.stride ?? 32, dtype: this.#input.dtype };
    if (typeof image === 'string' || image instanceof Uint8Array) {
      // Pixels trtjs decoded itself: no caller can reach them, so the letterbox reads them without a copy.
      return letterboxOwnedAsync(await loadImage(image, { signal, maxPixels: this.#maxPixels }), options);
    }
    return letterboxAsync(validateRawImage(name, image), options);
  }

  async #infer(boxed: LetterboxResult<LetterboxDtype>[], signal?: AbortSignal): Promise<Tensor> {
    const [, , h, w] = boxed[0].shape;
    let data = boxed[0].data;
    if (boxed.length > 1) {
      const Ctor = data.constructor as typeof Float32Array | typeof Uint16Array;
      const all = new Ctor(data.length * boxed.length);
      boxed.forEach((b, i) => all.set(b.data as Float32Array & Uint16Array, i * data.length));
      data = all;
    }
    const outputs = await this.backend.run({ [this.#input.name]: { dtype: this.#input.dtype, dims: [boxed.length, 3, h, w], data } }, { signal });
    const out = outputs[this.info.outputs[0].name] ?? Object.values(outputs)[0];
    if (!out) throw new TrtjsError('ERR_BAD_MODEL', 'Detector: the model produced no output');
    return out;
  }

  #postprocess(out: Tensor, boxed: LetterboxResult<LetterboxDtype>[], opts: Resolved): Detection[][] {
    if (!(out.data instanceof Float32Array || out.data instanceof Uint16Array) || out.dims.length !== 3) {
      throw new TrtjsError('ERR_BAD_MODEL', `Detector: output must be float32/float16 [batch, rows, cols], got ${out.dtype} [${out.dims.join(', ')}]`);
    }
    const { signal: _, ...decodeOptions } = opts;
    const decoded = decode(out.data, out.dims, { ...decodeOptions, nc: this.info.names?.length, end2end: this.info.end2end });
    const names = this.info.names;
    return decoded.map((dets, i) => {
      const scaled = scaleBoxes(dets, boxed[i]);
      const list: Detection[] = [];
      for (let k = 0; k < scaled.count; k++) {
        const b = scaled.boxes;
        const classId = scaled.classes[k];
        list.push({
          box: [b[k * 4], b[k * 4 + 1], b[k * 4 + 2], b[k * 4 + 3]],
          score: scaled.scores[k],
          classId,
          className: names?.[classId] ?? String(classId),
        });
      }
      return list;
    });
  }

  /**
   * Refuses new requests; waiting ones reject with ERR_DISPOSED, running ones finish; then the backend is released.
   * Idempotent.
   */
  protected async release(): Promise<void> {
    this.#queue.close(this.disposedError());
    await this.#queue.idle();
    await this.backend.dispose();
  }
}

function inputSpec(info: ModelInfo, imgsz: DetectorOptions['imgsz']): InputSpec {
  const inputs = info.inputs;
  if (inputs.length !== 1 || inputs[0].shape.length !== 4) {
    throw new TrtjsError('ERR_BAD_MODEL', `Detector: expected one image input [batch, 3, height, width], the model has ${inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}`);
  }
  const input = inputs[0];
  if (input.dtype !== 'float32' && input.dtype !== 'float16') throw new TrtjsError('ERR_BAD_MODEL', `Detector: image input must be float32 or float16, the model's is ${input.dtype}`);
  if (typeof input.shape[1] === 'number' && input.shape[1] !== 3) throw new TrtjsError('ERR_BAD_MODEL', `Detector: expected 3 input channels, the model has ${input.shape[1]}`);
  const [h, w] = [input.shape[2], input.shape[3]];
  const dynamicSize = typeof h !== 'number' || typeof w !== 'number' || h <= 0 || w <= 0;
  let size: [number, number];
  if (imgsz !== undefined) {
    if (typeof imgsz !== 'number' && !(Array.isArray(imgsz) && imgsz.length === 2)) check.fail('Detector.create: options.imgsz', 'a number or [height, width]', imgsz);
    size = typeof imgsz === 'number' ? [imgsz, imgsz] : [imgsz[0], imgsz[1]];
    size.forEach((d, i) => check.integer(`Detector.create: options.imgsz[${i}]`, d, 1, 8192));
    if (!dynamicSize && (size[0] !== h || size[1] !== w)) {
      throw new TrtjsError('ERR_SHAPE', `Detector.create: options.imgsz [${size.join(', ')}] differs from the model's fixed input [${h}, ${w}]`);
    }
  } else {
    size = dynamicSize ? (info.imgsz ?? [640, 640]) : [h as number, w as number];
  }
  return { name: input.name, dtype: input.dtype, size, dynamicSize, dynamicBatch: typeof input.shape[0] !== 'number' || (input.shape[0] as number) <= 0 };
}

/** Metadata and outputs that could never give a detection are refused at load, not on every request. */
function checkModel(info: ModelInfo): void {
  if (info.outputs.length === 0) throw new TrtjsError('ERR_BAD_MODEL', 'Detector: the model has no outputs');
  if (info.task !== undefined && info.task !== 'detect') {
    throw new TrtjsError('ERR_BAD_MODEL', `Detector: the model's task is '${info.task}', not 'detect' (a Detector would misread its outputs)`);
  }
  if (info.names !== undefined && info.names.length === 0) throw new TrtjsError('ERR_BAD_MODEL', "Detector: the model's metadata names no classes (names: {})");
  if (info.stride !== undefined && info.stride > 4096) throw new TrtjsError('ERR_BAD_MODEL', `Detector: the model's stride ${info.stride} is above 4096`);
  if (info.imgsz !== undefined && info.imgsz.some((d) => d > 8192)) throw new TrtjsError('ERR_BAD_MODEL', `Detector: the model's imgsz [${info.imgsz.join(', ')}] is above 8192`);
  const out = info.outputs[0];
  if (out.shape.length !== 3) throw new TrtjsError('ERR_BAD_MODEL', `Detector: output '${out.name}' [${out.shape.join(', ')}] is not a YOLO detection head [batch, rows, cols]`);
  if (typeof out.shape[1] === 'number' && out.shape[1] > 0 && typeof out.shape[2] === 'number' && out.shape[2] > 0) {
    try {
      detectHeadLayout(out.shape[1], out.shape[2], 'auto', info.names?.length, info.end2end);
    } catch (err) {
      throw new TrtjsError('ERR_BAD_MODEL', `Detector: ${(err as Error).message.replace(/^decode: /, '')}`, { cause: err });
    }
  }
}

/** A backend object someone built themselves must have what Detector uses. */
function checkBackend(model: unknown): Backend {
  const b = model as Partial<Backend> | null;
  const info = b?.info as Partial<ModelInfo> | undefined;
  if (
    typeof b !== 'object' || b === null || typeof b.run !== 'function' || typeof b.dispose !== 'function' ||
    typeof info !== 'object' || info === null || !Array.isArray(info.inputs) || !Array.isArray(info.outputs)
  ) {
    return check.fail('Detector.create: model', 'a model path, model bytes, or a Backend (with run, dispose and info.inputs/outputs)', model);
  }
  return b as Backend;
}

function checkImageInput(name: string, image: unknown): void {
  if (typeof image === 'string' || image instanceof Uint8Array) return;
  if (typeof image === 'object' && image !== null) validateRawImage(name, image);
  else check.fail(name, 'a file path, an encoded image Buffer or raw pixels', image);
}

/** Validates per-call options; `base` fills what is not given (the Ultralytics defaults at create). */
function resolveDetectOptions(fn: string, options: unknown, base: Partial<Resolved>): Resolved {
  const o = check.options<DetectOptions>(fn, options);
  const out: Partial<Resolved> = { ...base };
  if (o.conf !== undefined) out.conf = check.number(`${fn}.conf`, o.conf, 0, 1);
  if (o.iou !== undefined) out.iou = check.number(`${fn}.iou`, o.iou, 0, 1);
  if (o.maxDet !== undefined) out.maxDet = check.int32(`${fn}.maxDet`, o.maxDet, 1);
  if (o.agnostic !== undefined) out.agnostic = check.boolean(`${fn}.agnostic`, o.agnostic);
  if (o.multiLabel !== undefined) out.multiLabel = check.boolean(`${fn}.multiLabel`, o.multiLabel);
  if (o.classes !== undefined) {
    if (!Array.isArray(o.classes) && !ArrayBuffer.isView(o.classes)) check.fail(`${fn}.classes`, 'an array of class ids', o.classes);
    out.classes = Array.from(o.classes as ArrayLike<number>, (c, i) => check.int32(`${fn}.classes[${i}]`, c));
  }
  if (o.signal !== undefined) out.signal = check.optionalSignal(`${fn}.signal`, o.signal);
  return out as Resolved;
}

async function openBackend({ bytes, name, format }: ModelFile, choice: 'auto' | 'onnxruntime' | 'tensorrt', o: DetectorOptions): Promise<Backend> {
  const maxQueue = o.maxQueue ?? SERVICE.maxQueue;
  if (choice === 'tensorrt' || (choice === 'auto' && format === 'engine')) {
    const caps = await capabilities();
    if (!caps.tensorrt.available) throw new TrtjsError('ERR_TRT_UNAVAILABLE', `TensorRT is unavailable: ${caps.tensorrt.reason}`);
    return TensorRtBackend.load({ bytes, name }, { maxQueue, ...o.tensorrt });
  }
  if (format === 'engine') throw new BadInputError(`Detector.create: ONNX Runtime cannot run the TensorRT engine ${name}; pass the ONNX model`);
  // An ONNX model runs on ONNX Runtime: TensorRT needs an engine built first (buildEngine / trtjs build).
  return OnnxRuntimeBackend.load({ bytes, name }, { maxQueue, ...o.onnxruntime });
}
