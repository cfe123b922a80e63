/**
 * The native addon's whole surface, typed in one place, and its lazy loader. Nothing here validates: callers
 * in lib/ check every argument first (the addon only guards against memory errors).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { TrtjsError, UnavailableError } from '../errors.js';
import { elfProblem } from './elf.js';

export interface NativeBuildInfo {
  /** '+'-joined compiled layers, e.g. 'cpu+cuda+tensorrt'. */
  layers: string;
  cudaToolkit?: string;
  cudaArchs?: string;
  /** Comma-separated headers version of each compiled TensorRT layer, newest major first, e.g. '11.1.0,10.3.0'. */
  tensorrtLayers?: string;
  compiler?: string;
}

export interface NativeCudaDevice {
  index: number;
  name: string;
  computeCapability: string;
  totalMemory: number;
  multiProcessors: number;
  integrated: boolean;
  canMapHostMemory: boolean;
  pciBusId: string;
}

export interface NativeCudaInfo {
  available: boolean;
  error: string;
  driverVersion: string;
  runtimeVersion: string;
  devices: NativeCudaDevice[];
}

export interface NativeTensorrtInfo {
  loaded: boolean;
  version: string;
  libraryPath: string;
  error: string;
  parserLoaded: boolean;
  parserPath: string;
  parserError: string;
  pluginsLoaded: boolean;
  pluginsPath: string;
  pluginsError: string;
  /** Headers version of the compiled layer serving the libnvinfer found; '' when none does. */
  layer: string;
  /** TensorRT's builder resource libraries found (real paths), preloaded before the first builder. */
  builderResources: string[];
  /** Why no engine can be built here ('' when one can, as far as can be told without building). */
  builderError: string;
}

/** Letterbox parameters; the geometry is computed in TypeScript (lib/ops/geometry.ts). */
export interface NativeLetterboxParams {
  width: number;
  height: number;
  channels: number;
  stride: number;
  /** constants.pixelOrder */
  order: number;
  resizedWidth: number;
  resizedHeight: number;
  outWidth: number;
  outHeight: number;
  padLeft: number;
  padTop: number;
  padValue: number;
  /** constants.outDtype */
  dtype: number;
  /** constants.outLayout */
  layout: number;
}

export interface NativeDecodeParams {
  /** constants.headFormat */
  format: number;
  channelsFirst: boolean;
  rows: number;
  cols: number;
  nc: number;
  conf: number;
  iou: number;
  maxDet: number;
  maxNms: number;
  agnostic: boolean;
  multiLabel: boolean;
  classes: Int32Array | null;
}

/** Compact instance masks: per mask a window (left, top, width, height) in a frame and its width*height 0/1 bytes. */
export interface NativeMasks {
  windows: Int32Array;
  data: Uint8Array;
  /** The frame the windows lie in. */
  width: number;
  height: number;
}

export interface NativeMaskParams {
  nm: number;
  mh: number;
  mw: number;
  outWidth: number;
  outHeight: number;
  /** constants.maskMode */
  mode: number;
  roundCrop: boolean;
}

export interface NativeClassifyParams {
  width: number;
  height: number;
  channels: number;
  stride: number;
  /** constants.pixelOrder */
  order: number;
  resizedWidth: number;
  resizedHeight: number;
  cropLeft: number;
  cropTop: number;
  size: number;
  /** constants.outDtype */
  dtype: number;
  /** constants.outLayout */
  layout: number;
}

/** One batch item's detections from the CUDA decode (or its host emulation). */
export interface NativeDeviceDetections {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** The anchor (row) of the output each detection came from. */
  anchors: Int32Array;
  /** Candidates that entered NMS (end-to-end heads: rows over conf). */
  candidates: number;
  /** Chunks of up to 2048 candidates the NMS kernel selected and sorted (0 for end-to-end heads). */
  chunks: number;
  /** Broken kernel invariants (a selected chunk of the wrong size); always 0 unless the kernel is wrong. */
  faults: number;
}

/** Per-iteration timings of a one-shot device run of a kernel. */
export interface NativeKernelTimings {
  /** Between CUDA events around the launch. */
  kernelMicros: number[];
  /** Host clock: launch, copy of the results back, synchronise. */
  roundTripMicros: number[];
}

export interface NativeBuildParams {
  /** Set the builder's FP16 flag (TensorRT <= 10). */
  fp16: boolean;
  /** Create a strongly typed network (TensorRT 11; FP16 then comes from the graph's types). */
  stronglyTyped: boolean;
  /** Workspace pool limit in bytes; 0 keeps TensorRT's default. */
  workspace: number;
  /** Builder optimization level 0-5; -1 keeps TensorRT's default. */
  optimizationLevel: number;
  device: number;
  profiles: Array<Array<{ name: string; min: number[]; opt: number[]; max: number[] }>>;
  timingCache: Uint8Array | null;
}

/** The numbers each enum crosses the boundary as, exported by the C++ enums themselves (native/napi/constants.cpp). */
export interface NativeConstants {
  pixelOrder: Readonly<Record<'gray' | 'rgb' | 'bgr' | 'rgba' | 'bgra', number>>;
  outDtype: Readonly<Record<'float32' | 'float16' | 'uint8', number>>;
  outLayout: Readonly<Record<'nchw' | 'nhwc', number>>;
  headFormat: Readonly<Record<'yolov5' | 'yolov8' | 'end2end', number>>;
  /** processMasks' mode: process_mask with upsampling, process_mask_native (retina masks), prototype frame. */
  maskMode: Readonly<Record<'upsample' | 'native' | 'proto', number>>;
  /**
   * The TensorRT layer's enums (present in every build, the layer compiled or not): what an execution context
   * reserves device memory for (trtCreateContexts), CUDA graphs asked for (trtDetect) and how a run used them
   * (trtDetect's and trtRun's `graph`).
   */
  contextMemory: Readonly<Record<'static' | 'profile', number>>;
  graphMode: Readonly<Record<'off' | 'auto' | 'required', number>>;
  graphResult: Readonly<Record<'plain' | 'captured' | 'replayed', number>>;
}

/** The name of `value` in one of the `constants` tables (what a native result's number stands for). */
export function constantName<K extends string>(table: Readonly<Record<K, number>>, value: number): K {
  const name = (Object.keys(table) as K[]).find((k) => table[k] === value);
  if (name === undefined) throw new TrtjsError('ERR_NATIVE', `the addon returned ${value}, which is none of ${Object.keys(table).join(', ')}`);
  return name;
}

export interface NativeAddon {
  version: string;
  napiVersion: number;
  constants: NativeConstants;
  buildInfo(): NativeBuildInfo;
  // CPU ops (always compiled)
  letterbox(src: Uint8Array, params: NativeLetterboxParams, out: Float32Array | Uint16Array | Uint8Array): void;
  /**
   * On the libuv pool. JavaScript may detach an ArrayBuffer while the work runs: `copySource` copies the source first,
   * `copyOut` writes to native memory and copies into `out` at settle (rejecting when it was detached). Pass false only
   * for arrays lib/ allocated and has not exposed yet.
   */
  letterboxAsync(
    src: Uint8Array,
    params: NativeLetterboxParams,
    out: Float32Array | Uint16Array | Uint8Array,
    copySource: boolean,
    copyOut: boolean,
  ): Promise<void>;
  /** One batch item; float16 data as Uint16Array bits. */
  decode(data: Float32Array | Uint16Array, params: NativeDecodeParams): { boxes: Float32Array; scores: Float32Array; classes: Int32Array; anchors: Int32Array };
  nms(boxes: Float32Array, scores: Float32Array, classes: Int32Array | null, iou: number, scoreThreshold: number, maxDet: number): Int32Array;
  // Task post-processing (always compiled; native/napi/tasks.cpp)
  /** decode() plus, per kept detection, its head row (`anchors`) and channels [first, first + count) of it. */
  decodeExtras(
    data: Float32Array | Uint16Array,
    params: NativeDecodeParams,
    first: number,
    count: number,
  ): { boxes: Float32Array; scores: Float32Array; classes: Int32Array; anchors: Int32Array; extras: Float32Array };
  /** OBB heads (format 1 with the angle last, or 2): regularized xywhr boxes, 5 values each. */
  decodeObb(
    data: Float32Array | Uint16Array,
    params: NativeDecodeParams,
  ): { boxes: Float32Array; scores: Float32Array; classes: Int32Array; anchors: Int32Array };
  nmsRotated(boxes: Float32Array, scores: Float32Array, iou: number): Int32Array;
  probiou(a: Float32Array, b: Float32Array): Float32Array;
  processMasks(protos: Float32Array, coeffs: Float32Array, boxes: Float32Array, params: NativeMaskParams): NativeMasks;
  scaleMasks(windows: Int32Array, data: Uint8Array, params: { width: number; height: number; sourceWidth: number; sourceHeight: number }): NativeMasks;
  /** Outer contours of each mask (frame coordinates): `counts[i]` contours for mask i, `sizes` points per contour. */
  maskContours(windows: Int32Array, data: Uint8Array): { points: Int32Array; sizes: Int32Array; counts: Int32Array };
  polygonMasks(
    coords: Float32Array,
    sizes: Int32Array,
    params: { width: number; height: number; downsample: number; overlap: boolean },
  ): NativeMasks & { order: Int32Array };
  maskIou(aWindows: Int32Array, aData: Uint8Array, bWindows: Int32Array, bData: Uint8Array, width: number, height: number): Float32Array;
  classifyTransform(src: Uint8Array, params: NativeClassifyParams, out: Float32Array | Uint16Array | Uint8Array): void;
  classifyTransformAsync(src: Uint8Array, params: NativeClassifyParams, out: Float32Array | Uint16Array | Uint8Array): Promise<void>;
  // CUDA layer (absent when not compiled)
  cudaInfo?(): Promise<NativeCudaInfo>;
  cudaSelfTest?(device: number): Promise<string>;
  /** cudaMemGetInfo on `device`, in bytes. */
  cudaMemoryInfo?(device: number): Promise<{ free: number; total: number }>;
  /** Portable pinned memory, allocated with `device` current (mapped into that device's address space with `mapped`). */
  pinnedAlloc?(bytes: number, mapped: boolean, device: number): Promise<{ buffer: ArrayBuffer; mapped: boolean }>;
  pinnedFree?(buffer: ArrayBuffer): void;
  pinnedBytesInUse?(): number;
  /**
   * The CUDA letterbox kernel's code run on the host (CI's test of the kernel): same arguments as `letterbox`, plus
   * `batch` frames back to back in src (each height x stride bytes) and tensors back to back in out.
   */
  letterboxEmulated?(src: Uint8Array, params: NativeLetterboxParams & { batch?: number }, out: Float32Array | Uint16Array | Uint8Array): void;
  /** The CUDA decode + NMS kernels' code run on the host; shuffleSeed permutes the candidate order before NMS. */
  decodeEmulated?(data: Float32Array | Uint16Array, params: NativeDecodeParams & { batch?: number }, shuffleSeed?: number): NativeDeviceDetections[];
  /**
   * The CUDA letterbox on a device: copy in, `iterations` launches, copy out (tests and benches). `src` is copied
   * before the work is queued and `out` written when it settles (rejecting with ERR_BAD_INPUT when it was detached).
   */
  letterboxDevice?(
    src: Uint8Array,
    params: NativeLetterboxParams & { batch?: number },
    out: Float32Array | Uint16Array | Uint8Array,
    options?: { device?: number; iterations?: number },
  ): Promise<NativeKernelTimings>;
  /**
   * The CUDA decode + NMS on a device: copy in, `iterations` launches each with the copy of the detections back.
   * `data` and `classes` are copied before the work is queued.
   */
  decodeDevice?(
    data: Float32Array | Uint16Array,
    params: NativeDecodeParams & { batch?: number },
    options?: { device?: number; iterations?: number },
  ): Promise<NativeKernelTimings & { items: NativeDeviceDetections[] }>;
  /** PROTOTYPE (bench/completion.bench.ts): a stream with a one-int kernel for completion round trips. */
  completionProbe?(device: number): unknown;
  /** One round trip: the kernel, then the Promise resolved through `mode`'s completion mechanism. */
  completionRoundTrip?(probe: unknown, mode: 'worker' | 'hostfn' | 'poller'): Promise<void>;
  /** Mean microseconds of a C++ launch + cudaStreamSynchronize loop on the probe's stream. */
  completionRawLoop?(probe: unknown, iterations: number): Promise<number>;
  /** One NVML sample of the device with this PCI bus id (or index when the id is ''); `error` says why not. */
  nvmlRead?(pciBusId: string, index: number): Promise<NativeNvmlSample>;
  // TensorRT layer (absent when not compiled)
  /** A cancel token for one build: native-owned state that trtCancelBuild sets and the build reads at every step. */
  trtCancelToken?(): NativeCancelToken;
  /** Asks the build holding `token` to stop at TensorRT's next step (nested phases included; 10+). */
  trtCancelBuild?(token: NativeCancelToken): void;
  /**
   * Parses ONNX and builds a serialized plan off the JS thread. `onProgress` is called on the JS thread. One build
   * runs at a time per process: lib/ queues them (a second concurrent call is refused with ERR_BUILD).
   */
  trtBuildEngine?(
    onnx: Uint8Array,
    params: NativeBuildParams,
    onProgress: (phase: string, step: number, steps: number) => void,
    cancel: NativeCancelToken,
  ): Promise<{ plan: Uint8Array; timingCache: Uint8Array | null; networkLayers: number; engineInfo: string; warnings: string[] }>;
  tensorrtInfo?(): Promise<NativeTensorrtInfo>;
  /** Deserializes a plan on `device` and describes it; its execution contexts come with trtCreateContexts. */
  trtLoadEngine?(plan: Uint8Array, device: number, options: NativeLoadOptions): Promise<{ handle: unknown; desc: NativeEngineDesc }>;
  /**
   * Makes one execution context per entry of `profiles`, context c serving optimization profile profiles[c] (lib/
   * decides). staging[c][t] is the pinned host memory of IO tensor t (desc.tensors order) of context c. With `mapped`,
   * that memory is handed to TensorRT directly (integrated GPUs). `memory` (constants.contextMemory): 'static'
   * reserves device memory for every profile (kSTATIC), 'profile' for the context's own (kON_PROFILE_CHANGE,
   * TensorRT 10+). Once per engine.
   */
  trtCreateContexts?(handle: unknown, profiles: number[], mapped: boolean, memory: number): Promise<{ staging: ArrayBuffer[][]; warnings: string[] }>;
  /**
   * Runs context `context` on what its input staging holds; inputShapes: one per input, desc order. Resolves to the
   * output shapes (desc order); their data is then in the output staging. One request per context at a time.
   */
  trtRun?(handle: unknown, context: number, inputShapes: number[][]): Promise<number[][]>;
  /**
   * A benchmark run (trtjs bench): with `timing`, CUDA events around the input copies, the enqueue and the output
   * copies, and the host clock (CLOCK_MONOTONIC ms, as process.hrtime) around enqueueV3 alone; `transfers: false`
   * skips the copies; `spinWait` polls the stream instead of blocking on it; `cudaGraph` launches the enqueue from a
   * CUDA graph captured per context after a plain run and recaptured when the shapes change (ERR_ENGINE_INCOMPATIBLE
   * where the engine cannot be captured).
   */
  trtRun?(
    handle: unknown,
    context: number,
    inputShapes: number[][],
    options: { timing?: boolean; transfers?: boolean; spinWait?: boolean; cudaGraph?: boolean },
  ): Promise<{ shapes: number[][]; timing?: NativeRunTiming }>;
  /**
   * Gives every execution context a page-locked frame staging of `frameBytes` (mapped when the contexts' staging is)
   * and resolves to them, by context: JavaScript writes the decoded frame there for trtDetect. Once, after
   * trtCreateContexts; detached at dispose like the other staging.
   */
  trtEnableImageIn?(handle: unknown, frameBytes: number): Promise<ArrayBuffer[]>;
  /**
   * Image in, detections out on context `context`, the frame being in its frame staging: copied to the device (not
   * when mapped), letterboxed by the CUDA kernel into the input binding, enqueueV3, decode + NMS by the CUDA kernels
   * on output `output` (desc order), only the detections copied back. Boxes are in input-tensor pixels.
   */
  trtDetect?(handle: unknown, context: number, params: NativeImageInParams): Promise<NativeImageInResult>;
  /** Detaches the staging ArrayBuffers and releases the engine (a run in flight keeps it until it ends). */
  trtDisposeEngine?(handle: unknown): void;
  /** Deserializes a plan (ERR_ENGINE_INCOMPATIBLE when it cannot) and describes it. */
  trtInspectEngine?(plan: Uint8Array, device: number, options: NativeLoadOptions): Promise<NativeEngineDesc>;
}

/** trtDetect's parameters: the frame in the staging and the letterbox geometry as the letterbox takes them, and the head. */
export interface NativeImageInParams extends Omit<NativeLetterboxParams, 'dtype' | 'layout'> {
  /** The detection head's IO tensor index (desc order). */
  output: number;
  decode: NativeDecodeParams;
  /** CUDA graphs (constants.graphMode): off, where the engine can be captured (auto), required. */
  graph: number;
}

export interface NativeImageInResult {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  anchors: Int32Array;
  /** Candidates before NMS. */
  candidates: number;
  /** constants.graphResult: ran plainly; plainly, then captured for the next request; a graph replay. */
  graph: number;
}

/** An opaque cancel token (trtCancelToken). */
export type NativeCancelToken = { readonly __brand: 'NativeCancelToken' };

/** How a plan is deserialized. */
export interface NativeLoadOptions {
  /** IRuntime::setEngineHostCodeAllowed (TensorRT 8.6+): let version-compatible plans run the host code they carry. */
  allowHostCode: boolean;
}

/** How an IO tensor is laid out (ICudaEngine::getTensorFormat and companions). */
export interface NativeTensorFormat {
  /** nvinfer1::TensorFormat; 0 is kLINEAR. */
  format: number;
  /** TensorRT's description, e.g. "Row major linear FP32 format". */
  text: string;
  /** The dimension packed into vectors; -1 when none. */
  vectorizedDim: number;
  /** Elements per vector. */
  components: number;
}

/** One timed TensorRT run: host times on CLOCK_MONOTONIC in ms, GPU durations from CUDA events. */
export interface NativeRunTiming {
  issueMs: number;
  enqueueStartMs: number;
  enqueueEndMs: number;
  h2dMs: number;
  computeMs: number;
  d2hMs: number;
  /** constants.graphResult: enqueueV3 ran plainly; plainly, then captured for the next run; a graph replay. */
  graph: number;
}

/** An NVML reading: its value, or why there is none. */
export type NativeNvmlReading = { value: number; error?: undefined } | { value?: undefined; error: string };

export interface NativeNvmlSample {
  /** '' when NVML answered for the device. */
  error: string;
  library: string;
  driverVersion: string;
  name: string;
  smClockMHz: NativeNvmlReading;
  memoryClockMHz: NativeNvmlReading;
  graphicsClockMHz: NativeNvmlReading;
  maxSmClockMHz: NativeNvmlReading;
  maxMemoryClockMHz: NativeNvmlReading;
  temperatureC: NativeNvmlReading;
  powerW: NativeNvmlReading;
  powerLimitW: NativeNvmlReading;
  gpuUtilizationPercent: NativeNvmlReading;
  memoryUtilizationPercent: NativeNvmlReading;
  performanceState: NativeNvmlReading;
  /** NVML's clocks event (throttle) reason bits. */
  clockEventReasons: NativeNvmlReading;
}

/** A deserialized plan: IO tensors (dtype: nvinfer1::DataType; -1 for dynamic dims), profiles, device memory. */
export interface NativeEngineDesc {
  /** formats: per optimization profile (one for an engine without profiles). */
  tensors: Array<{ name: string; input: boolean; dtype: number; shape: number[]; formats: NativeTensorFormat[] }>;
  profiles: Array<Array<{ name: string; min: number[]; opt: number[]; max: number[] }>>;
  /** Device memory an execution context reserves for every profile (kSTATIC). */
  deviceMemory: number;
  /** What a context reserves for profile p alone (kON_PROFILE_CHANGE); empty before TensorRT 10. */
  profileMemory: number[];
  layers: number;
  /** What TensorRT warned about while deserializing the plan. */
  warnings: string[];
}

/** The package root: lib/native/ in the sources and dist/native/ when built both sit two levels down. */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

let cached: { addon?: NativeAddon; error?: string } | undefined;

/** Loads the addon once; never throws. */
export function tryLoadAddon(): { addon?: NativeAddon; error?: string } {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    const load = require('node-gyp-build') as { path(dir: string): string };
    const file = load.path(packageRoot);
    const problem = elfProblem(file);
    if (problem) throw new Error(problem);
    cached = { addon: require(file) as NativeAddon };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    cached = {
      error:
        `the trtjs native addon could not be loaded (${reason}). ` +
        `Build it with \`npm rebuild trtjs\` (needs CMake and a C++17 compiler; CUDA and TensorRT are optional), ` +
        `or, if npm skipped install scripts, allow them for trtjs (npm 11: "allowScripts").`,
    };
  }
  return cached;
}

/** The loaded addon, or ERR_ADDON_UNAVAILABLE with the reason and the fix. */
export function addon(): NativeAddon {
  const { addon, error } = tryLoadAddon();
  if (!addon) throw new UnavailableError('ERR_ADDON_UNAVAILABLE', error ?? 'the trtjs native addon is unavailable');
  return addon;
}

/**
 * A function of an optional native layer (CUDA, TensorRT), or the error saying that layer was not compiled into this
 * binary: the one way lib/ reaches those layers.
 */
export function layerFunction<K extends keyof NativeAddon>(name: K, layer: 'cuda' | 'tensorrt'): NonNullable<NativeAddon[K]> {
  const fn = addon()[name];
  if (fn === undefined) {
    const code = layer === 'cuda' ? 'ERR_CUDA_UNAVAILABLE' : 'ERR_TRT_UNAVAILABLE';
    throw new TrtjsError(code, layer === 'cuda' ? missingCudaLayer() : missingTensorrtLayer());
  }
  return (typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).bind(addon()) : fn) as NonNullable<NativeAddon[K]>;
}

interface BuildEnv {
  tensorrtRebuildHint(major?: number): string;
  findNvcc(): string | undefined;
}

/** scripts/build-env.cjs, which the install script also uses: what this machine offers a source build. */
function buildEnv(): BuildEnv | undefined {
  try {
    return createRequire(import.meta.url)(`${packageRoot}scripts/build-env.cjs`) as BuildEnv;
  } catch {
    return undefined;
  }
}

/** Why this binary has no TensorRT layer, and the command that adds one on this machine. */
export function missingTensorrtLayer(): string {
  const fix = buildEnv()?.tensorrtRebuildHint() ?? "run `TENSORRT_ROOT=<your TensorRT> npm rebuild trtjs` (needs CMake, nvcc and TensorRT's headers)";
  return `this trtjs binary was built without a TensorRT layer (no TensorRT headers at build time): to add one, ${fix}`;
}

/** Why this binary has no CUDA layer, and the command that adds one on this machine. */
export function missingCudaLayer(): string {
  const nvcc = buildEnv()?.findNvcc();
  return nvcc
    ? `this trtjs binary was built without the CUDA layer, but ${nvcc} is here now: run \`TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs\``
    : 'this trtjs binary was built without the CUDA layer (no CUDA compiler at build time): install the CUDA toolkit, put nvcc on PATH and run `TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs`';
}
