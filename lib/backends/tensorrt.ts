import { capabilities } from '../capabilities.js';
import { SERVICE } from '../defaults.js';
import { TrtjsError, abortedError, settleNative } from '../errors.js';
import { Resource } from '../lifetime.js';
import { describeEngine, deserializing, hostCodeOption, linearLayoutProblem, type EngineInspection } from '../model/inspect-engine.js';
import type { TensorDtype } from '../model/model-info.js';
import { readModelFile, type ModelSource } from '../model/read-model.js';
import { addon, constantName, layerFunction } from '../native/binding.js';
import type { RawImage } from '../image/raw-image.js';
import { decodeParams, type DecodeOptions } from '../ops/decode.js';
import type { Detections } from '../ops/detections.js';
import { planLetterbox, type LetterboxOptions } from '../ops/letterbox.js';
import { letterboxFrame } from '../tasks/frame.js';
import type { LetterboxFrame } from '../tasks/types.js';
import * as check from '../util/validate.js';
import type { Backend, RunOptions, Tensor, TensorData } from './backend.js';
import { checkFeeds } from './check-feeds.js';
import { ContextPool } from './context-pool.js';

export interface TensorRtOptions {
  /** CUDA device. Default 0. */
  device?: number;
  /**
   * Execution contexts per optimization profile: how many requests of one shape range run at once. Each context
   * has its own CUDA stream, device buffers and pinned staging. On TensorRT 8.6 each one past the first per profile
   * of a dynamic-shape engine also holds its own copy of the engine (8.6 allows one context per profile per engine);
   * from TensorRT 10 they share one. Default 1.
   */
  contexts?: number;
  /**
   * Hand pinned host memory to TensorRT directly instead of copying it to device buffers. Default: true on
   * integrated GPUs (Jetson), where host and device share memory, false elsewhere.
   */
  mapped?: boolean;
  /** Requests that may wait for a context (default 1024); one more rejects with ERR_QUEUE_FULL. */
  maxQueue?: number;
  /**
   * What each execution context reserves device memory for, as trtexec's `--allocationStrategy`: `'static'` (the
   * default, TensorRT's own) enough for every optimization profile; `'profile'` (TensorRT 10+,
   * `kON_PROFILE_CHANGE`) enough for the profile the context serves. Each trtjs context serves one profile for its
   * whole life, so `'profile'` saves memory on engines whose profiles differ in size and costs nothing at run time.
   * `backend.contextMemory` reports what each context reserved.
   */
  allocationStrategy?: 'static' | 'profile';
  /**
   * Let TensorRT run the host code a version-compatible plan carries (its lean runtime; `trtexec
   * --versionCompatible`). That code runs in this process with its rights, so allow it only for plans you trust.
   * Default false: such a plan is refused with ERR_ENGINE_INCOMPATIBLE. Needs TensorRT 8.6+; emits a process warning
   * (TRTJS_ENGINE_HOST_CODE) when used.
   */
  allowHostCode?: boolean;
  /**
   * CUDA graphs for the image-in stage ({@link TensorRtBackend.detectImage}, Detector on engines): a request's work
   * (frame copy, letterbox, enqueueV3, decode + NMS, detections copy) is captured into a graph after it ran once and
   * replayed for the next request whose launches are the same (same frame size, geometry and options; any other
   * runs plainly and is captured in its place, so a graph is never replayed after a shape change). Default: on where
   * the engine can be captured, the plain path otherwise; `true` refuses an engine TensorRT cannot capture with
   * ERR_ENGINE_INCOMPATIBLE; `false`: never.
   */
  cudaGraph?: boolean;
}

/**
 * One timed run (`runStaged`). Host times are milliseconds on the clock of `process.hrtime` (CLOCK_MONOTONIC);
 * durations come from CUDA events recorded on the context's stream.
 */
export interface TensorRtRunTiming {
  /** Host time just before the first event was recorded (the context's stream is idle then). */
  issueMs: number;
  /** Host time around enqueueV3 alone: trtexec's Enqueue Time. */
  enqueueStartMs: number;
  enqueueEndMs: number;
  /** Input copies to the device; 0 without transfers or with mapped staging. */
  h2dMs: number;
  /** The work enqueueV3 queued: trtexec's GPU Compute Time. */
  computeMs: number;
  /** Output copies to the host; 0 without transfers or with mapped staging. */
  d2hMs: number;
  /** How the enqueue ran: 'plain', 'captured' (plainly, then captured for the next run), 'replayed' (a CUDA graph). */
  graph: 'plain' | 'captured' | 'replayed';
}

/** Options of {@link TensorRtBackend.detectImage}. */
export interface ImageInOptions {
  /**
   * How the frame is letterboxed (`size`, `auto`, `stride`, `scaleFill`, `scaleUp`, `center`, `padValue`); the
   * engine's input decides dtype (float32 or float16) and layout (NCHW). Default: the letterbox defaults at 640.
   */
  letterbox?: Omit<LetterboxOptions, 'dtype' | 'layout' | 'out'>;
  /** How the head is decoded, as {@link decode} takes it (conf, iou, maxDet, classes, nc, ...). */
  decode?: DecodeOptions;
  /** The detection head's output (default: the engine's only output). */
  output?: string;
  signal?: AbortSignal;
}

/** What {@link TensorRtBackend.detectImage} gives: detections in input-tensor pixels and the frame mapping them back. */
export interface ImageInResult extends Detections {
  /** Per detection, the head row (anchor) it came from. */
  anchors: Int32Array;
  /** Candidates before NMS (rows over conf for end-to-end heads). */
  candidates: number;
  /** How it ran: 'plain' (no graph), 'captured' (plainly, then captured for the next request), 'replayed'. */
  graph: 'plain' | 'captured' | 'replayed';
  /** Where the image went in the input tensor: map boxes back with scaleXyxy / scaleBoxes. */
  frame: LetterboxFrame;
}

type ArrayType = { new (b: ArrayBuffer): TensorData; BYTES_PER_ELEMENT: number };

/** TensorRtBackends loaded and not yet released (for leak checks). */
const counter = { live: 0 };
const ARRAYS: Partial<Record<TensorDtype, ArrayType>> = {
  float32: Float32Array,
  float16: Uint16Array,
  int8: Int8Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

/** An IO tensor of the engine, with the array type it is exchanged in. */
interface IoTensor {
  name: string;
  input: boolean;
  dtype: TensorDtype;
  Typed: ArrayType;
}

/**
 * TensorRT inference on a serialized engine (Ultralytics `.engine` or plain plan). Requests run off the JS thread
 * on a pool of execution contexts. Inputs are written straight into page-locked staging memory and outputs read
 * from it, one copy each way on the host; on integrated GPUs the GPU reads and writes that memory itself.
 *
 * @example
 * ```ts
 * await using backend = await TensorRtBackend.load('yolo11n.engine', { contexts: 2 });
 * const { output0 } = await backend.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
 * ```
 */
export class TensorRtBackend extends Resource implements Backend {
  readonly kind = 'tensorrt' as const;
  /** IO signature, metadata, profiles and provenance of the engine. */
  readonly info: EngineInspection;
  readonly #handle: unknown;
  readonly #pool: ContextPool;
  /** staging[c][t]: IO tensor t (native order) of context c. */
  #staging: ArrayBuffer[][];
  /** IO tensors in native order. */
  readonly #tensors: IoTensor[];
  /** The optimization profile of each context. */
  readonly #contextProfiles: number[];
  readonly #mapped: boolean;
  readonly #contextMemory: number[];
  /** options.cudaGraph for the image-in stage: 'auto' where it works (trtDetect's `graph`, a constants.graphMode). */
  #graph: 'off' | 'auto' | 'required' = 'auto';
  readonly #run = layerFunction('trtRun', 'tensorrt');
  /** Image in: the frame staging of each context, once enableImageIn made it. */
  #frames?: ArrayBuffer[];
  #enabling?: Promise<void>;
  readonly #dispose = layerFunction('trtDisposeEngine', 'tensorrt');

  private constructor(
    info: EngineInspection,
    handle: unknown,
    pool: ContextPool,
    staging: ArrayBuffer[][],
    tensors: IoTensor[],
    contextProfiles: number[],
    mapped: boolean,
    contextMemory: number[],
  ) {
    super('TensorRtBackend');
    this.info = info;
    this.#mapped = mapped;
    this.#contextProfiles = contextProfiles;
    this.#contextMemory = contextMemory;
    this.#handle = handle;
    this.#pool = pool;
    this.#staging = staging;
    this.#tensors = tensors;
    // A forgotten backend: the native side keeps the engine until a run in flight ends, so this is safe at any time.
    const dispose = this.#dispose;
    counter.live++;
    this.setSafetyNet(() => {
      counter.live--;
      dispose(handle);
    });
  }

  /** Backends loaded and not yet disposed (or collected), in this thread: for leak checks. */
  static get live(): number {
    return counter.live;
  }

  /**
   * Deserializes an engine and sets up its execution contexts.
   * @throws ERR_TRT_UNAVAILABLE without TensorRT or a GPU; ERR_ENGINE_INCOMPATIBLE for a plan this TensorRT or GPU
   *   cannot load (naming both sides); ERR_BAD_INPUT for an ONNX model
   */
  static async load(source: ModelSource, options?: TensorRtOptions): Promise<TensorRtBackend> {
    const o = check.options<TensorRtOptions>('TensorRtBackend.load: options', options);
    const device = check.optional(o.device, 0, (v) => check.integer('TensorRtBackend.load: options.device', v, 0, 64));
    const contexts = check.optional(o.contexts, 1, (v) => check.integer('TensorRtBackend.load: options.contexts', v, 1, 64));
    const mappedOption = check.optional<boolean | undefined>(o.mapped, undefined, (v) => check.boolean('TensorRtBackend.load: options.mapped', v));
    const maxQueue = check.optional(o.maxQueue, SERVICE.maxQueue, (v) => check.integer('TensorRtBackend.load: options.maxQueue', v, 0, 1e9));
    const strategy = check.optional(o.allocationStrategy, 'static', (v) =>
      check.oneOf('TensorRtBackend.load: options.allocationStrategy', v, ['static', 'profile'] as const),
    );
    const allowHostCode = check.optional(o.allowHostCode, false, (v) => check.boolean('TensorRtBackend.load: options.allowHostCode', v));
    const cudaGraph = check.optional<boolean | undefined>(o.cudaGraph, undefined, (v) => check.boolean('TensorRtBackend.load: options.cudaGraph', v));
    const { name, engine } = await readModelFile(source, 'engine', 'TensorRtBackend.load');
    const file = engine!;
    const caps = await capabilities();
    const load = layerFunction('trtLoadEngine', 'tensorrt');
    const createContexts = layerFunction('trtCreateContexts', 'tensorrt');
    const dispose = layerFunction('trtDisposeEngine', 'tensorrt');
    const loadOptions = hostCodeOption('TensorRtBackend.load', name, allowHostCode, caps);
    if (strategy === 'profile' && caps.tensorrt.available && Number(caps.tensorrt.version!.split('.')[0]) < 10) {
      check.fail(
        'TensorRtBackend.load: options.allocationStrategy',
        `'static' on TensorRT ${caps.tensorrt.version} ('profile', kON_PROFILE_CHANGE, needs TensorRT 10 or newer)`,
        strategy,
      );
    }
    const mapped = mappedOption ?? caps.cuda.devices[device]?.integrated ?? false;
    const loaded = await deserializing(name, file, caps, device, allowHostCode, () => settleNative(() => load(file.plan, device, loadOptions)));
    const info = describeEngine(file, loaded.desc, caps);
    const refuse = (message: string): never => {
      dispose(loaded.handle);
      throw new TrtjsError('ERR_ENGINE_INCOMPATIBLE', `${name}: ${message}`);
    };
    const tensors: IoTensor[] = [];
    for (const t of loaded.desc.tensors) {
      const { dtype } = (t.input ? info.inputs : info.outputs).find((x) => x.name === t.name)!;
      const Typed = ARRAYS[dtype];
      if (!Typed) refuse(`tensor '${t.name}' is ${dtype}, which trtjs cannot exchange with JavaScript`);
      const layout = linearLayoutProblem(t);
      if (layout) refuse(layout);
      tensors.push({ name: t.name, input: t.input, dtype, Typed: Typed! });
    }
    // Which profile each context serves, decided here: `contexts` per profile, profile-major.
    const profiles = Math.max(info.profiles.length, 1);
    const contextProfiles = Array.from({ length: profiles * contexts }, (_, c) => Math.floor(c / contexts));
    let made: { staging: ArrayBuffer[][]; warnings: string[] };
    try {
      made = await settleNative(() => createContexts(loaded.handle, contextProfiles, mapped, addon().constants.contextMemory[strategy]));
    } catch (err) {
      dispose(loaded.handle);
      throw err;
    }
    info.warnings.push(...made.warnings);
    const contextMemory = contextProfiles.map((p) => (strategy === 'profile' ? (info.profileMemory?.[p] ?? info.deviceMemory) : info.deviceMemory));
    const pool = new ContextPool(
      contextProfiles,
      info.profiles.map((p) => Object.fromEntries(Object.entries(p).map(([input, { min, max }]) => [input, { min, max }]))),
      maxQueue,
    );
    const backend = new TensorRtBackend(info, loaded.handle, pool, made.staging, tensors, contextProfiles, mapped, contextMemory);
    backend.#graph = cudaGraph === undefined ? 'auto' : cudaGraph ? 'required' : 'off';
    return backend;
  }

  /**
   * Device memory each execution context reserved for its activations, in bytes, by context: every profile's
   * maximum (`allocationStrategy: 'static'`), or its own profile's (`'profile'`). IO buffers come on top.
   */
  get contextMemory(): number[] {
    return [...this.#contextMemory];
  }

  /** Execution contexts, over all optimization profiles: how many requests can run at once. */
  get contexts(): number {
    return this.#pool.size;
  }

  /** Execution contexts now running a request, and requests waiting for one. */
  get load(): { running: number; waiting: number } {
    return { running: this.#pool.busy, waiting: this.#pool.waiting };
  }

  async run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>> {
    this.assertAlive();
    checkFeeds(feeds, this.info.inputs, 'TensorRtBackend.run');
    const signal = check.optionalSignal('TensorRtBackend.run: options.signal', options?.signal);
    if (signal?.aborted) throw abortedError('TensorRtBackend.run', signal);
    const shapes = Object.fromEntries(this.info.inputs.map((i) => [i.name, feeds[i.name].dims]));
    const c = await this.#pool.acquire(shapes, signal);
    const running = this.#runOn(c, feeds);
    if (!signal) return running;
    // Aborted while on the device: answer now; the context returns to the pool when the device is done.
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortedError('TensorRtBackend.run', signal));
      signal.addEventListener('abort', onAbort, { once: true });
      running.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async #runOn(c: number, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    try {
      const inputShapes: number[][] = [];
      this.#tensors.forEach((t, i) => {
        if (!t.input) return;
        const { data, dims } = feeds[t.name];
        const staging = this.#staging[c][i];
        if (data.byteLength > staging.byteLength) {
          throw new TrtjsError('ERR_SHAPE', `TensorRtBackend.run: input '${t.name}' [${dims.join(', ')}] is larger than its profile's maximum`);
        }
        new Uint8Array(staging, 0, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        inputShapes.push(dims);
      });
      const outShapes = await settleNative(() => this.#run(this.#handle, c, inputShapes));
      const result: Record<string, Tensor> = {};
      let k = 0;
      this.#tensors.forEach((t, i) => {
        if (t.input) return;
        const dims = outShapes[k++];
        const bytes = dims.reduce((a, d) => a * d, 1) * t.Typed.BYTES_PER_ELEMENT;
        // The staging is the next request's: the caller gets its own copy.
        result[t.name] = { dtype: t.dtype, dims, data: new t.Typed(this.#staging[c][i].slice(0, bytes)) };
      });
      return result;
    } finally {
      this.#pool.release(c);
    }
  }

  /**
   * Enables the image-in stage ({@link detectImage}): gives each execution context a page-locked frame staging of
   * `frameBytes` (mapped on integrated GPUs, where the GPU then reads the frame in place). Once per backend: later
   * calls resolve when the first is done, whatever their size.
   * @throws ERR_CUDA when the memory cannot be had; ERR_BAD_INPUT for a size outside [1, 2^32]
   */
  enableImageIn(frameBytes: number): Promise<void> {
    this.assertAlive();
    check.integer('TensorRtBackend.enableImageIn: frameBytes', frameBytes, 1, 2 ** 32);
    this.#enabling ??= settleNative(() => layerFunction('trtEnableImageIn', 'tensorrt')(this.#handle, frameBytes)).then((frames) => {
      this.#frames = frames;
    });
    return this.#enabling;
  }

  /** Bytes of each context's frame staging; 0 until {@link enableImageIn} is done. */
  get frameBytes(): number {
    return this.#frames?.[0]?.byteLength ?? 0;
  }

  /**
   * Image in, detections out, on the GPU: the decoded frame is written into the context's page-locked frame staging,
   * letterboxed by the CUDA kernel straight into the engine's input binding (byte for byte the CPU letterbox), the
   * engine enqueued, its detection head decoded + NMS by the CUDA kernels (the CPU decode's detections, in its
   * order), and only the detections copied back. Needs {@link enableImageIn}, an engine with one image input
   * (float32 or float16, [1, 3, H, W]) and a detection head of static shape [1, rows, cols].
   *
   * @example
   * ```ts
   * await backend.enableImageIn(1920 * 1080 * 3);
   * const r = await backend.detectImage(await loadImage('bus.jpg'), { decode: { conf: 0.25, nc: 80 } });
   * const boxes = scaleXyxy(r.boxes, r.frame); // source pixels
   * ```
   * @throws ERR_BAD_INPUT for a frame larger than the staging, a bad image or options; ERR_CUDA naming the CUDA
   *   error when the device fails mid-pipeline (other contexts keep working); ERR_SHAPE when the letterboxed size
   *   is outside the engine's profiles
   */
  async detectImage(image: RawImage, options?: ImageInOptions): Promise<ImageInResult> {
    this.assertAlive();
    const fn = 'TensorRtBackend.detectImage';
    const o = check.options<ImageInOptions>(`${fn}: options`, options);
    const signal = check.optionalSignal(`${fn}: options.signal`, o.signal);
    if (!this.#frames) throw new TrtjsError('ERR_BAD_INPUT', `${fn}: the image-in stage is not enabled (await enableImageIn(frameBytes) first)`);
    const inputs = this.info.inputs;
    if (inputs.length !== 1) throw new TrtjsError('ERR_BAD_INPUT', `${fn}: the engine has ${inputs.length} inputs; image in needs one image input`);
    const names = this.info.outputs.map((t) => t.name);
    const outputName = check.optional(o.output, undefined, (v) => check.oneOf(`${fn}: options.output`, v, names));
    const outputs = this.info.outputs.filter((t) => outputName === undefined || t.name === outputName);
    if (outputs.length !== 1) check.fail(`${fn}: options.output`, `the head's name (one of ${names.join(', ')})`, outputName);
    const head = outputs[0];
    const [batch, rows, cols] = head.shape;
    if (head.shape.length !== 3 || batch !== 1 || typeof rows !== 'number' || typeof cols !== 'number' || rows <= 0 || cols <= 0) {
      throw new TrtjsError(
        'ERR_BAD_INPUT',
        `${fn}: output '${head.name}' is [${head.shape.join(', ')}]; image in decodes a head of static shape [1, rows, cols]`,
      );
    }
    const { params, result } = planLetterbox(fn, image, o.letterbox);
    const decode = decodeParams(fn, rows, cols, o.decode)!;
    const bytes = (params.height - 1) * params.stride + params.width * params.channels;
    if (bytes > this.frameBytes) {
      throw new TrtjsError(
        'ERR_BAD_INPUT',
        `${fn}: the image (${params.width}x${params.height}, ${params.channels} channels, ${bytes} bytes) is larger than the frame staging (${this.frameBytes} bytes, set by enableImageIn)`,
      );
    }
    if (signal?.aborted) throw abortedError(fn, signal);
    const output = this.#tensors.findIndex((t) => t.name === head.name);
    const c = await this.#pool.acquire({ [inputs[0].name]: [1, 3, params.outHeight, params.outWidth] }, signal);
    const running = (async (): Promise<ImageInResult> => {
      try {
        new Uint8Array(this.#frames![c], 0, bytes).set(image.data.subarray(0, bytes));
        const r = await settleNative(() =>
          layerFunction('trtDetect', 'tensorrt')(this.#handle, c, { ...params, output, decode, graph: addon().constants.graphMode[this.#graph] }),
        );
        return {
          count: r.scores.length,
          boxes: r.boxes,
          scores: r.scores,
          classes: r.classes,
          anchors: r.anchors,
          candidates: r.candidates,
          graph: constantName(addon().constants.graphResult, r.graph),
          frame: letterboxFrame(result),
        };
      } finally {
        this.#pool.release(c);
      }
    })();
    if (!signal) return running;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortedError(fn, signal));
      signal.addEventListener('abort', onAbort, { once: true });
      running.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Whether staging memory is handed to TensorRT directly (no host-device copies). */
  get mapped(): boolean {
    return this.#mapped;
  }

  /**
   * For benchmarks (`bench()`): writes these inputs into the pinned staging of every execution context whose
   * profile admits their shapes, once, so that `runStaged` then runs on them without touching JavaScript memory,
   * as trtexec runs. A later `run` on a context replaces what it holds.
   * @throws ERR_SHAPE when no profile admits the shapes; ERR_BAD_INPUT for feeds that do not match the inputs
   */
  stageInputs(feeds: Record<string, Tensor>): void {
    this.assertAlive();
    checkFeeds(feeds, this.info.inputs, 'TensorRtBackend.stageInputs');
    const profiles = new Set(this.#pool.profilesFor(Object.fromEntries(this.info.inputs.map((i) => [i.name, feeds[i.name].dims]))));
    this.#contextProfiles.forEach((p, c) => {
      if (!profiles.has(p)) return;
      this.#tensors.forEach((t, i) => {
        if (!t.input) return;
        const { data, dims } = feeds[t.name];
        const staging = this.#staging[c][i];
        if (data.byteLength > staging.byteLength) {
          throw new TrtjsError('ERR_SHAPE', `TensorRtBackend.stageInputs: input '${t.name}' [${dims.join(', ')}] is larger than its profile's maximum`);
        }
        new Uint8Array(staging, 0, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      });
    });
  }

  /**
   * For benchmarks: runs an idle context whose profile admits `shapes` on what its staging holds (see
   * `stageInputs`), timed with CUDA events, and returns the timings (the outputs stay in the staging).
   * `transfers: false` skips the copies between host and device (trtexec's --noDataTransfers); `spinWait` polls the
   * stream instead of blocking on it (--useSpinWait); `cudaGraph` launches the enqueue from a CUDA graph, captured per
   * context after a plain run and recaptured when the shapes change (--useCudaGraph; ERR_ENGINE_INCOMPATIBLE where the
   * engine cannot be captured).
   */
  async runStaged(
    shapes: Record<string, number[]>,
    options?: { transfers?: boolean; spinWait?: boolean; cudaGraph?: boolean; signal?: AbortSignal },
  ): Promise<TensorRtRunTiming> {
    this.assertAlive();
    const transfers = options?.transfers ?? true;
    const spinWait = options?.spinWait ?? false;
    const cudaGraph = options?.cudaGraph ?? false;
    const c = await this.#pool.acquire(shapes, options?.signal);
    try {
      const inputShapes = this.#tensors.filter((t) => t.input).map((t) => shapes[t.name]);
      const { timing } = await settleNative(() => this.#run(this.#handle, c, inputShapes, { timing: true, transfers, spinWait, cudaGraph }));
      return { ...timing!, graph: constantName(addon().constants.graphResult, timing!.graph) };
    } finally {
      this.#pool.release(c);
    }
  }

  /** Refuses new requests, lets running ones finish (waiting ones are rejected with ERR_DISPOSED), then frees. */
  protected async release(): Promise<void> {
    await this.#pool.close();
    this.#dispose(this.#handle);
    counter.live--;
    this.#staging = [];
    this.#frames = undefined;
  }
}
