import type { Backend, Tensor } from '../backends/backend.js';
import { OnnxRuntimeBackend, type OnnxRuntimeOptions } from '../backends/onnxruntime.js';
import { TensorRtBackend, type TensorRtOptions } from '../backends/tensorrt.js';
import { capabilities } from '../capabilities.js';
import { BadInputError, TrtjsError } from '../errors.js';
import { loadImage } from '../image/load.js';
import { validateRawImage, type RawImage } from '../image/raw-image.js';
import type { ModelInfo } from '../model/model-info.js';
import { readEngineFile } from '../model/engine-file.js';
import { looksLikeOnnx, readModelBytes, type ModelSource } from '../model/read-model.js';
import { decode, detectHeadLayout, type DecodeOptions } from '../ops/decode.js';
import { letterbox, type LetterboxDtype, type LetterboxResult } from '../ops/letterbox.js';
import { scaleBoxes } from '../ops/scale-boxes.js';
import * as check from '../util/validate.js';
import type { Detection } from './detection.js';

/** An image: a file path, an encoded JPEG/PNG/WebP buffer, or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** Per-call options, with Ultralytics predict's defaults. */
export type DetectOptions = Pick<DecodeOptions, 'conf' | 'iou' | 'maxDet' | 'classes' | 'agnostic' | 'multiLabel'> & {
  signal?: AbortSignal;
};

export interface DetectorOptions extends DetectOptions {
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
}

const DEFAULTS = { conf: 0.25, iou: 0.7, maxDet: 300, agnostic: false, multiLabel: false };

/**
 * Image in, detections out: letterbox → backend → decode → scaleBoxes, configured from the model's metadata
 * (class names, input size, stride, head). Results match Ultralytics' predict on the same image and model.
 *
 * @example
 * ```ts
 * await using detector = await Detector.create('yolov8n.onnx');
 * for (const d of await detector.detect('bus.jpg')) console.log(d.className, d.score.toFixed(2), d.box);
 * ```
 */
export class Detector implements AsyncDisposable {
  readonly backend: Backend;
  readonly info: ModelInfo;
  readonly #input: { name: string; dtype: LetterboxDtype; size: [number, number]; dynamicSize: boolean; dynamicBatch: boolean };
  readonly #defaults: DetectOptions;
  readonly #rect: boolean;
  #disposed = false;

  private constructor(backend: Backend, options: DetectorOptions) {
    this.backend = backend;
    this.info = backend.info;
    const inputs = this.info.inputs;
    if (inputs.length !== 1 || inputs[0].shape.length !== 4) {
      throw new TrtjsError('ERR_BAD_MODEL', `Detector: expected one image input [batch, 3, height, width], the model has ${inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}`);
    }
    const input = inputs[0];
    if (input.dtype !== 'float32' && input.dtype !== 'float16') throw new TrtjsError('ERR_BAD_MODEL', `Detector: image input must be float32 or float16, the model's is ${input.dtype}`);
    if (typeof input.shape[1] === 'number' && input.shape[1] !== 3) throw new TrtjsError('ERR_BAD_MODEL', `Detector: expected 3 input channels, the model has ${input.shape[1]}`);
    if (this.info.outputs.length === 0) throw new TrtjsError('ERR_BAD_MODEL', 'Detector: the model has no outputs');
    const [h, w] = [input.shape[2], input.shape[3]];
    const dynamicSize = typeof h !== 'number' || typeof w !== 'number' || h <= 0 || w <= 0;
    let size: [number, number];
    if (options.imgsz !== undefined) {
      const s = options.imgsz;
      size = typeof s === 'number' ? [s, s] : [s[0], s[1]];
      size.forEach((d, i) => check.integer(`Detector.create: options.imgsz[${i}]`, d, 1, 8192));
      if (!dynamicSize && (size[0] !== h || size[1] !== w)) {
        throw new TrtjsError('ERR_SHAPE', `Detector.create: options.imgsz [${size.join(', ')}] differs from the model's fixed input [${h}, ${w}]`);
      }
    } else {
      size = dynamicSize ? (this.info.imgsz ?? [640, 640]) : [h as number, w as number];
    }
    this.#input = {
      name: input.name,
      dtype: input.dtype,
      size,
      dynamicSize,
      dynamicBatch: typeof input.shape[0] !== 'number' || (input.shape[0] as number) <= 0,
    };
    this.#rect = check.optional(options.rect, true, (v) => check.boolean('Detector.create: options.rect', v));
    this.#defaults = validateDetectOptions('Detector.create: options', options);
    // Fail now, not on the first image, when the output matches no head.
    const out = this.info.outputs[0];
    if (out.shape.length !== 3) throw new TrtjsError('ERR_BAD_MODEL', `Detector: output '${out.name}' [${out.shape.join(', ')}] is not a YOLO detection head [batch, rows, cols]`);
    if (typeof out.shape[1] === 'number' && out.shape[1] > 0 && typeof out.shape[2] === 'number' && out.shape[2] > 0) {
      try {
        detectHeadLayout(out.shape[1], out.shape[2], 'auto', this.info.names?.length, this.info.end2end);
      } catch (err) {
        throw new TrtjsError('ERR_BAD_MODEL', `Detector: ${(err as Error).message.replace(/^decode: /, '')}`, { cause: err });
      }
    }
  }

  /** Opens a model (path or bytes of ONNX or an engine), or wraps an already loaded backend. */
  static async create(model: ModelSource | Backend, options?: DetectorOptions): Promise<Detector> {
    const o = check.options<DetectorOptions>('Detector.create: options', options);
    const choice = check.optional(o.backend, 'auto' as const, (v) => check.oneOf('Detector.create: options.backend', v, ['auto', 'onnxruntime', 'tensorrt'] as const));
    validateDetectOptions('Detector.create: options', o);
    let backend: Backend;
    if (typeof model === 'object' && model !== null && !(model instanceof Uint8Array) && 'run' in model) {
      backend = model;
    } else {
      backend = await openBackend(model as ModelSource, choice, o);
    }
    try {
      return new Detector(backend, o);
    } catch (err) {
      if (backend !== model) await backend.dispose();
      throw err;
    }
  }

  /** Input size [height, width] images are letterboxed to. */
  get imgsz(): [number, number] {
    return [...this.#input.size];
  }

  /** Detects objects in one image. */
  async detect(image: ImageInput, options?: DetectOptions): Promise<Detection[]> {
    const [result] = await this.detectBatch([image], options);
    return result;
  }

  /**
   * Detects objects in several images: one inference with a batch where the model's batch is dynamic, one per
   * image otherwise. Results are in input order.
   */
  async detectBatch(images: ImageInput[], options?: DetectOptions): Promise<Detection[][]> {
    if (this.#disposed) throw new TrtjsError('ERR_DISPOSED', 'Detector has been disposed');
    if (!Array.isArray(images)) check.fail('detectBatch: images', 'an array of images', images);
    const opts = { ...this.#defaults, ...validateDetectOptions('detect: options', options) };
    opts.signal?.throwIfAborted();
    const raws = await Promise.all(images.map((img, i) => toRaw(img, `detect: images[${i}]`, opts.signal)));
    const boxed = raws.map((raw) => this.#letterbox(raw, raws.length > 1));
    const results: Detection[][] = [];
    if (this.#input.dynamicBatch && boxed.length > 1) {
      const outputs = await this.#infer(boxed, opts.signal);
      results.push(...this.#postprocess(outputs, boxed, opts));
    } else {
      for (const lb of boxed) {
        const outputs = await this.#infer([lb], opts.signal);
        results.push(...this.#postprocess(outputs, [lb], opts));
      }
    }
    return results;
  }

  #letterbox(raw: RawImage, batch: boolean): LetterboxResult<LetterboxDtype> {
    // A batch needs one tensor size: pad every image to the full size then.
    const auto = this.#input.dynamicSize && this.#rect && !batch;
    return letterbox(raw, { size: this.#input.size, auto, stride: this.info.stride ?? 32, dtype: this.#input.dtype });
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

  #postprocess(out: Tensor, boxed: LetterboxResult<LetterboxDtype>[], opts: DetectOptions): Detection[][] {
    if (!(out.data instanceof Float32Array || out.data instanceof Uint16Array) || out.dims.length !== 3) {
      throw new TrtjsError('ERR_BAD_MODEL', `Detector: output must be float32/float16 [batch, rows, cols], got ${out.dtype} [${out.dims.join(', ')}]`);
    }
    const decoded = decode(out.data, out.dims, {
      ...opts,
      nc: this.info.names?.length,
      end2end: this.info.end2end,
    });
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

  /** Releases the backend. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.backend.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

function validateDetectOptions(fn: string, options: unknown): DetectOptions {
  const o = check.options<DetectOptions>(fn, options);
  const out: DetectOptions = {};
  if (o.conf !== undefined) out.conf = check.number(`${fn}.conf`, o.conf, 0, 1);
  if (o.iou !== undefined) out.iou = check.number(`${fn}.iou`, o.iou, 0, 1);
  if (o.maxDet !== undefined) out.maxDet = check.integer(`${fn}.maxDet`, o.maxDet, 1);
  if (o.agnostic !== undefined) out.agnostic = check.boolean(`${fn}.agnostic`, o.agnostic);
  if (o.multiLabel !== undefined) out.multiLabel = check.boolean(`${fn}.multiLabel`, o.multiLabel);
  if (o.classes !== undefined) {
    if (!Array.isArray(o.classes) && !ArrayBuffer.isView(o.classes)) check.fail(`${fn}.classes`, 'an array of class ids', o.classes);
    out.classes = Array.from(o.classes as ArrayLike<number>, (c, i) => check.integer(`${fn}.classes[${i}]`, c, 0));
  }
  if (o.signal !== undefined) {
    if (!(o.signal instanceof AbortSignal)) check.fail(`${fn}.signal`, 'an AbortSignal', o.signal);
    out.signal = o.signal;
  }
  return { ...DEFAULTS, ...out };
}

async function toRaw(image: ImageInput, name: string, signal?: AbortSignal): Promise<RawImage> {
  if (typeof image === 'string' || image instanceof Uint8Array) return loadImage(image, { signal });
  if (typeof image === 'object' && image !== null) return validateRawImage(name, image);
  return check.fail(name, 'a file path, an encoded image Buffer or raw pixels', image);
}

async function openBackend(model: ModelSource, choice: 'auto' | 'onnxruntime' | 'tensorrt', o: DetectorOptions): Promise<Backend> {
  const { bytes, name } = await readModelBytes(model);
  const isEngine = !looksLikeOnnx(bytes, name);
  // Neither ONNX nor an engine: say so before asking for TensorRT.
  if (isEngine) readEngineFile(bytes, name);
  if (choice === 'tensorrt' || (choice === 'auto' && isEngine)) {
    const caps = await capabilities();
    if (!caps.tensorrt.available) throw new TrtjsError('ERR_TRT_UNAVAILABLE', `TensorRT is unavailable: ${caps.tensorrt.reason}`);
    return TensorRtBackend.load(bytes, o.tensorrt);
  }
  if (isEngine) throw new BadInputError('Detector.create: ONNX Runtime cannot run a TensorRT engine; pass the ONNX model');
  // An ONNX model runs on ONNX Runtime: TensorRT needs an engine built first (buildEngine / trtjs build).
  return OnnxRuntimeBackend.load(bytes, o.onnxruntime);
}
