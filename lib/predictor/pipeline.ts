/**
 * The one image → result pipeline behind `Predictor` and `Detector`: open the model, choose its task head, and answer
 * requests in a bounded queue — decode the image when a slot takes it, pre-process it off the event loop as the task
 * requires (letterbox, or the classification resize + centre crop), infer (one run per batch where the model's batch
 * is dynamic), and turn the outputs into results with the head. The faces add only their names and result types.
 */
import type { Backend, Tensor } from '../backends/backend.js';
import { OnnxRuntimeBackend, type OnnxRuntimeOptions } from '../backends/onnxruntime.js';
import { TensorRtBackend, type TensorRtOptions } from '../backends/tensorrt.js';
import { capabilities } from '../capabilities.js';
import { LIMITS, PER_TASK, SERVICE } from '../defaults.js';
import { BadInputError, TrtjsError } from '../errors.js';
import { loadImage } from '../image/load.js';
import { validateRawImage, type RawImage } from '../image/raw-image.js';
import type { ModelInfo } from '../model/model-info.js';
import { isModelSource, readModelFile, type ModelFile, type ModelSource } from '../model/read-model.js';
import { letterboxAsync, letterboxOwnedAsync, type LetterboxDtype } from '../ops/letterbox.js';
import { classifyTransformAsync, classifyTransformOwnedAsync } from '../tasks/classify/transform.js';
import { letterboxFrame } from '../tasks/frame.js';
import { boxOptions } from '../tasks/options.js';
import { detectDecodeOptions, detectResults, type DetectOptions } from '../tasks/detect/head.js';
import { boxOutput } from '../tasks/head-layout.js';
import { TASK_HEADS, taskOf } from '../tasks/registry.js';
import type { Frame, Task, TaskHead, TaskResult } from '../tasks/types.js';
import { RequestQueue } from '../util/request-queue.js';
import * as check from '../util/validate.js';

/** An image: a file path, an encoded JPEG/PNG/WebP buffer, or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** How a model is opened and its requests are run (Detector and Predictor alike). */
export interface PipelineOptions {
  /** 'auto' (default): TensorRT for engines, ONNX Runtime for ONNX models (build an engine to use TensorRT). */
  backend?: 'auto' | 'onnxruntime' | 'tensorrt';
  /**
   * Inference size [height, width] or a number, for models with dynamic input (default: metadata imgsz, else 640;
   * 224 for classification).
   */
  imgsz?: number | [number, number];
  /** Minimal-rectangle padding on dynamic models, as Ultralytics predict does (`rect=True`). Default true. */
  rect?: boolean;
  /** ONNX Runtime threads. */
  onnxruntime?: OnnxRuntimeOptions;
  /** TensorRT device and execution contexts. */
  tensorrt?: TensorRtOptions;
  /**
   * Requests processed at once: each decodes its image, pre-processes it, infers and decodes the output. Default:
   * the backend's parallelism plus one, so the next image is prepared while the backend is busy.
   */
  concurrency?: number;
  /** Requests that may wait for a slot (default 1024); one more rejects with ERR_QUEUE_FULL. */
  maxQueue?: number;
  /** Largest decoded image, in pixels (default 8192 x 8192). */
  maxPixels?: number;
  /**
   * Image in, detections out on the GPU, for detection models on TensorRT engines: the decoded frame goes into
   * page-locked staging, the CUDA letterbox writes straight into the engine's input, and decode + NMS run on the
   * device, so only the detections come back (the same detections as the CPU path, which the CUDA kernels match
   * byte for byte and detection for detection). `true` (default) uses it where it applies: an engine with one image
   * input and a detection head of static shape [1, rows, cols]; frames larger than the staging take the CPU path.
   * `{ frameBytes }` sizes the staging, per execution context (default {@link SERVICE.frameBytes}: a 3840x2160 RGB
   * frame). `false`: always letterbox and decode on the CPU.
   */
  imageIn?: boolean | { frameBytes?: number };
}

/** The names a face gives its messages: 'Detector' / 'detect' / 'detectBatch', or 'Predictor' / 'predict' / ... */
export interface PipelineNames {
  what: string;
  call: string;
  batch: string;
}

interface InputSpec {
  name: string;
  dtype: LetterboxDtype;
  size: [number, number];
  dynamicSize: boolean;
  dynamicBatch: boolean;
}

/** One pre-processed image: its tensor and where it went. */
interface Prepared {
  data: Float32Array | Uint16Array;
  shape: readonly number[];
  frame: Frame;
}

/** Per-call options after validation: the head's own, and the signal. */
interface CallOptions {
  head: unknown;
  signal?: AbortSignal;
}

export class Pipeline {
  readonly backend: Backend;
  readonly info: ModelInfo;
  readonly head: TaskHead<Task, unknown>;
  readonly concurrency: number;
  readonly #names: PipelineNames;
  readonly #input: InputSpec;
  readonly #defaults: Record<string, unknown>;
  readonly #rect: boolean;
  readonly #maxPixels: number;
  readonly #queue: RequestQueue;
  /** The image-in stage (the GPU path) when it applies: the engine backend and its head's output name. */
  #imageIn?: { backend: TensorRtBackend; output: string };

  private constructor(backend: Backend, head: TaskHead<Task, unknown>, o: PipelineOptions & Record<string, unknown>, names: PipelineNames, settings: Settings) {
    this.backend = backend;
    this.info = backend.info;
    this.head = head;
    this.#names = names;
    this.#input = inputSpec(this.info, o.imgsz, head.task, names.what);
    // The head fills its defaults (Ultralytics' predict values) under what was given at create.
    this.#defaults = head.options(`${names.what}.create: options`, o) as Record<string, unknown>;
    this.#rect = settings.rect;
    this.#maxPixels = settings.maxPixels;
    const parallel = backend instanceof TensorRtBackend ? backend.contexts : 1;
    this.concurrency = settings.concurrency ?? parallel + 1;
    this.#queue = new RequestQueue(`${names.what}.${names.call}`, this.concurrency, settings.maxQueue);
  }

  /**
   * Opens a model (path or bytes of ONNX or an engine) or wraps a loaded backend (then disposed with the pipeline),
   * chooses its head and checks the model against it; with `expected`, a model of another task is refused with
   * ERR_BAD_MODEL and `mismatch`'s message.
   */
  static async open(
    model: ModelSource | Backend,
    options: unknown,
    names: PipelineNames,
    expected?: { task: Task; mismatch: (actual: Task, byOutputs: boolean) => string },
  ): Promise<Pipeline> {
    const fn = `${names.what}.create`;
    const o = check.options<PipelineOptions & Record<string, unknown>>(`${fn}: options`, options);
    // Everything that can be checked without the model is checked before it is loaded.
    const choice = check.optional(o.backend, 'auto' as const, (v) => check.oneOf(`${fn}: options.backend`, v, ['auto', 'onnxruntime', 'tensorrt'] as const));
    const settings = resolveSettings(fn, o);
    boxOptions(`${fn}: options`, o);
    if (o.retinaMasks !== undefined) check.boolean(`${fn}: options.retinaMasks`, o.retinaMasks);
    const owned = isModelSource(model);
    const backend = owned ? await openBackend(await readModelFile(model, 'any', fn), choice, o, fn) : checkBackend(fn, model);
    try {
      checkModel(names.what, backend.info);
      const head = chooseHead(names.what, backend.info, expected);
      const pipeline = new Pipeline(backend, head, o, names, settings);
      if (settings.frameBytes > 0 && backend instanceof TensorRtBackend && head.task === 'detect') {
        const out = boxOutput('detect', backend.info);
        const [batch, rows, cols] = out.shape;
        if (backend.info.inputs.length === 1 && batch === 1 && typeof rows === 'number' && rows > 0 && typeof cols === 'number' && cols > 0) {
          await backend.enableImageIn(settings.frameBytes);
          pipeline.#imageIn = { backend, output: out.name };
        }
      }
      return pipeline;
    } catch (err) {
      if (owned) await backend.dispose();
      throw err;
    }
  }

  /**
   * What TensorRT warned about while loading the engine and making its contexts (a plan made on another GPU model or
   * TensorRT version, for one); empty for ONNX Runtime.
   */
  get warnings(): readonly string[] {
    const info = this.info as ModelInfo & { warnings?: string[] };
    return Object.freeze([...(info.warnings ?? [])]);
  }

  get task(): Task {
    return this.head.task;
  }

  /** Input size [height, width] images are pre-processed to. */
  get imgsz(): [number, number] {
    return [...this.#input.size];
  }

  get load(): { running: number; waiting: number } {
    return { running: this.#queue.running, waiting: this.#queue.waiting };
  }

  /** Results for several images as one request (one inference with a batch where the model's batch is dynamic). */
  run(images: ImageInput[], options: unknown, batchCall: boolean): Promise<TaskResult[]> {
    const { call, batch } = this.#names;
    if (!Array.isArray(images)) check.fail(`${batch}: images`, 'an array of images', images);
    if (images.length > LIMITS.batch) check.fail(`${batch}: images`, `at most ${LIMITS.batch} images`, images);
    images.forEach((img, i) => {
      checkImageInput(batchCall ? `${batch}: images[${i}]` : `${call}: image`, img);
    });
    const opts = this.#options(`${call}: options`, options);
    return this.#queue.run(() => this.#process(images, opts, batchCall), opts.signal);
  }

  /** The model's raw outputs for one image, with its frame: the queue and pre-processing of `run`, no head. */
  infer(image: ImageInput, options: unknown): Promise<{ outputs: Record<string, Tensor>; frame: Frame }> {
    const fn = 'infer';
    checkImageInput(`${fn}: image`, image);
    const o = check.options<{ signal?: AbortSignal }>(`${fn}: options`, options);
    const signal = check.optionalSignal(`${fn}: options.signal`, o.signal);
    return this.#queue.run(async () => {
      const prepared = await this.#prepare(image, `${fn}: image`, false, signal);
      return { outputs: await this.#infer([prepared], signal), frame: prepared.frame };
    }, signal);
  }

  /** Refuses new requests (waiting ones get `error`), lets running ones finish, then releases the backend. */
  async close(error: TrtjsError): Promise<void> {
    this.#queue.close(error);
    await this.#queue.idle();
    await this.backend.dispose();
  }

  #options(fn: string, options: unknown): CallOptions {
    const o = check.options<Record<string, unknown>>(fn, options);
    const given: Record<string, unknown> = {};
    // A key given as undefined keeps the default, as if it were left out.
    for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'signal') given[k] = v;
    const signal = check.optionalSignal(`${fn}.signal`, o.signal);
    return { head: this.head.options(fn, { ...this.#defaults, ...given }), signal };
  }

  /** Whether requests of detection models run image in, detections out on the GPU (options.imageIn). */
  get imageIn(): boolean {
    return this.#imageIn !== undefined;
  }

  async #process(images: ImageInput[], opts: CallOptions, batchCall: boolean): Promise<TaskResult[]> {
    const { call, batch } = this.#names;
    const many = images.length > 1;
    if (this.#imageIn) {
      const results: TaskResult[] = [];
      for (const [i, img] of images.entries()) results.push(await this.#detectOnDevice(img, batchCall ? `${batch}: images[${i}]` : `${call}: image`, opts));
      return results;
    }
    const prepared = await Promise.all(images.map((img, i) => this.#prepare(img, batchCall ? `${batch}: images[${i}]` : `${call}: image`, many, opts.signal)));
    if (this.#input.dynamicBatch && many) return this.#postprocess(await this.#infer(prepared, opts.signal), prepared, opts);
    const results: TaskResult[] = [];
    for (const p of prepared) results.push(...this.#postprocess(await this.#infer([p], opts.signal), [p], opts));
    return results;
  }

  /** Image in, detections out on the GPU (the engine runtime's image-in stage); the CPU path for larger frames. */
  async #detectOnDevice(image: ImageInput, name: string, opts: CallOptions): Promise<TaskResult> {
    const { backend, output } = this.#imageIn!;
    const raw =
      typeof image === 'string' || image instanceof Uint8Array
        ? await loadImage(image, { signal: opts.signal, maxPixels: this.#maxPixels })
        : validateRawImage(name, image);
    if ((raw.height - 1) * (raw.stride ?? raw.width * raw.channels) + raw.width * raw.channels > backend.frameBytes) {
      const prepared = await this.#prepare(raw, name, false, opts.signal);
      return this.#postprocess(await this.#infer([prepared], opts.signal), [prepared], opts)[0];
    }
    const r = await backend.detectImage(raw, {
      letterbox: { size: this.#input.size, auto: this.#input.dynamicSize && this.#rect, stride: this.info.stride ?? 32 },
      decode: detectDecodeOptions(opts.head as DetectOptions, this.info),
      output,
      signal: opts.signal,
    });
    return detectResults([r], [r.frame], this.info)[0];
  }

  /** Decodes (files and encoded buffers) and pre-processes one image, both off the event loop. */
  async #prepare(image: ImageInput, name: string, batch: boolean, signal?: AbortSignal): Promise<Prepared> {
    // Pixels trtjs decoded itself: no caller can reach them, so the pre-processing reads them without a copy.
    const decoded = typeof image === 'string' || image instanceof Uint8Array ? await loadImage(image, { signal, maxPixels: this.#maxPixels }) : undefined;
    const { size, dtype } = this.#input;
    if (this.head.preprocess === 'classify') {
      const options = { size: size[0], dtype };
      const t = decoded ? await classifyTransformOwnedAsync(decoded, options) : await classifyTransformAsync(validateRawImage(name, image), options);
      return { data: t.data as Float32Array | Uint16Array, shape: t.shape, frame: t.frame };
    }
    // A batch needs one tensor size: pad every image to the full size then.
    const auto = this.#input.dynamicSize && this.#rect && !batch;
    const options = { size, auto, stride: this.info.stride ?? 32, dtype };
    const lb = decoded ? await letterboxOwnedAsync(decoded, options) : await letterboxAsync(validateRawImage(name, image), options);
    return { data: lb.data as Float32Array | Uint16Array, shape: lb.shape, frame: letterboxFrame(lb) };
  }

  async #infer(prepared: Prepared[], signal?: AbortSignal): Promise<Record<string, Tensor>> {
    const [, , h, w] = prepared[0].shape;
    let data = prepared[0].data;
    if (prepared.length > 1) {
      const Ctor = data.constructor as typeof Float32Array | typeof Uint16Array;
      const all = new Ctor(data.length * prepared.length);
      prepared.forEach((p, i) => {
        all.set(p.data as Float32Array & Uint16Array, i * data.length);
      });
      data = all;
    }
    return this.backend.run({ [this.#input.name]: { dtype: this.#input.dtype, dims: [prepared.length, 3, h, w], data } }, { signal });
  }

  #postprocess(outputs: Record<string, Tensor>, prepared: Prepared[], opts: CallOptions): TaskResult[] {
    return this.head.postprocess(
      outputs,
      prepared.map((p) => p.frame),
      opts.head,
      this.info,
    );
  }
}

interface Settings {
  /** Frame staging per context for the image-in stage; 0: off. */
  frameBytes: number;
  rect: boolean;
  maxPixels: number;
  concurrency?: number;
  maxQueue: number;
}

function resolveSettings(fn: string, o: PipelineOptions): Settings {
  const imageIn = check.optional<boolean | { frameBytes?: number }>(o.imageIn, true, (v) =>
    typeof v === 'boolean' ? v : check.object<{ frameBytes?: number }>(`${fn}: options.imageIn`, v),
  );
  const frameBytes =
    imageIn === false
      ? 0
      : check.optional(imageIn === true ? undefined : imageIn.frameBytes, SERVICE.frameBytes, (v) =>
          check.integer(`${fn}: options.imageIn.frameBytes`, v, 1, 2 ** 32),
        );
  return {
    frameBytes,
    rect: check.optional(o.rect, true, (v) => check.boolean(`${fn}: options.rect`, v)),
    maxPixels: check.optional(o.maxPixels, SERVICE.maxPixels, (v) => check.integer(`${fn}: options.maxPixels`, v, 1, Number.MAX_SAFE_INTEGER)),
    concurrency: check.optional(o.concurrency, undefined, (v) => check.integer(`${fn}: options.concurrency`, v, 1, 1024)),
    maxQueue: check.optional(o.maxQueue, SERVICE.maxQueue, (v) => check.integer(`${fn}: options.maxQueue`, v, 0, 1e9)),
  };
}

/** The head of the model's task, checked against the model; ERR_BAD_MODEL naming the task and the problem. */
function chooseHead(what: string, info: ModelInfo, expected?: { task: Task; mismatch: (actual: Task, byOutputs: boolean) => string }): TaskHead<Task, unknown> {
  try {
    const task = taskOf(info);
    if (expected && task !== expected.task) throw new TrtjsError('ERR_BAD_MODEL', expected.mismatch(task, info.task === undefined));
    const head = TASK_HEADS[task] as TaskHead<Task, unknown>;
    head.check(info);
    return head;
  } catch (err) {
    if (err instanceof TrtjsError && err.code === 'ERR_BAD_MODEL') throw new TrtjsError('ERR_BAD_MODEL', `${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

function inputSpec(info: ModelInfo, imgsz: PipelineOptions['imgsz'], task: Task, what: string): InputSpec {
  const inputs = info.inputs;
  if (inputs.length !== 1 || inputs[0].shape.length !== 4) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `${what}: expected one image input [batch, 3, height, width], the model has ${inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}`,
    );
  }
  const input = inputs[0];
  if (input.dtype !== 'float32' && input.dtype !== 'float16')
    throw new TrtjsError('ERR_BAD_MODEL', `${what}: image input must be float32 or float16, the model's is ${input.dtype}`);
  if (typeof input.shape[1] === 'number' && input.shape[1] !== 3)
    throw new TrtjsError('ERR_BAD_MODEL', `${what}: expected 3 input channels, the model has ${input.shape[1]}`);
  const [h, w] = [input.shape[2], input.shape[3]];
  const dynamicSize = typeof h !== 'number' || typeof w !== 'number' || h <= 0 || w <= 0;
  let size: [number, number];
  if (imgsz !== undefined) {
    if (typeof imgsz !== 'number' && !(Array.isArray(imgsz) && imgsz.length === 2))
      check.fail(`${what}.create: options.imgsz`, 'a number or [height, width]', imgsz);
    size = typeof imgsz === 'number' ? [imgsz, imgsz] : [imgsz[0], imgsz[1]];
    size.forEach((d, i) => {
      check.integer(`${what}.create: options.imgsz[${i}]`, d, 1, 8192);
    });
    if (!dynamicSize && (size[0] !== h || size[1] !== w)) {
      throw new TrtjsError('ERR_SHAPE', `${what}.create: options.imgsz [${size.join(', ')}] differs from the model's fixed input [${h}, ${w}]`);
    }
  } else {
    const fallback = PER_TASK.imgsz[task];
    size = dynamicSize ? (info.imgsz ?? [fallback, fallback]) : [h as number, w as number];
  }
  // Ultralytics' classification transform crops a square.
  if (task === 'classify' && size[0] !== size[1]) check.fail(`${what}.create: options.imgsz`, 'one size (a square) for a classify model', imgsz ?? size);
  return { name: input.name, dtype: input.dtype, size, dynamicSize, dynamicBatch: typeof input.shape[0] !== 'number' || (input.shape[0] as number) <= 0 };
}

/** Metadata that could never give a result is refused at load, not on every request. */
function checkModel(what: string, info: ModelInfo): void {
  if (info.outputs.length === 0) throw new TrtjsError('ERR_BAD_MODEL', `${what}: the model has no outputs`);
  if (info.names !== undefined && info.names.length === 0) throw new TrtjsError('ERR_BAD_MODEL', `${what}: the model's metadata names no classes (names: {})`);
  if (info.stride !== undefined && info.stride > 4096) throw new TrtjsError('ERR_BAD_MODEL', `${what}: the model's stride ${info.stride} is above 4096`);
  if (info.imgsz?.some((d) => d > 8192)) throw new TrtjsError('ERR_BAD_MODEL', `${what}: the model's imgsz [${info.imgsz.join(', ')}] is above 8192`);
}

/** A backend object someone built themselves must have what the pipeline uses. */
function checkBackend(fn: string, model: unknown): Backend {
  const b = model as Partial<Backend> | null;
  const info = b?.info as Partial<ModelInfo> | undefined;
  if (
    typeof b !== 'object' ||
    b === null ||
    typeof b.run !== 'function' ||
    typeof b.dispose !== 'function' ||
    typeof info !== 'object' ||
    info === null ||
    !Array.isArray(info.inputs) ||
    !Array.isArray(info.outputs)
  ) {
    return check.fail(`${fn}: model`, 'a model path, model bytes, or a Backend (with run, dispose and info.inputs/outputs)', model);
  }
  return b as Backend;
}

export function checkImageInput(name: string, image: unknown): void {
  if (typeof image === 'string' || image instanceof Uint8Array) return;
  if (typeof image === 'object' && image !== null) validateRawImage(name, image);
  else check.fail(name, 'a file path, an encoded image Buffer or raw pixels', image);
}

async function openBackend({ bytes, name, format }: ModelFile, choice: 'auto' | 'onnxruntime' | 'tensorrt', o: PipelineOptions, fn: string): Promise<Backend> {
  const maxQueue = o.maxQueue ?? SERVICE.maxQueue;
  if (choice === 'tensorrt' || (choice === 'auto' && format === 'engine')) {
    const caps = await capabilities();
    if (!caps.tensorrt.available) throw new TrtjsError('ERR_TRT_UNAVAILABLE', `TensorRT is unavailable: ${caps.tensorrt.reason}`);
    return TensorRtBackend.load({ bytes, name }, { maxQueue, ...o.tensorrt });
  }
  if (format === 'engine') throw new BadInputError(`${fn}: ONNX Runtime cannot run the TensorRT engine ${name}; pass the ONNX model`);
  // An ONNX model runs on ONNX Runtime: TensorRT needs an engine built first (buildEngine / trtjs build).
  return OnnxRuntimeBackend.load({ bytes, name }, { maxQueue, ...o.onnxruntime });
}
