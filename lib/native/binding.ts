/**
 * The native addon's whole surface, typed in one place, and its lazy loader. Nothing here validates: callers
 * in lib/ check every argument first (the addon only guards against memory errors).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { TrtjsError, UnavailableError } from '../errors.js';

export interface NativeBuildInfo {
  /** '+'-joined compiled layers, e.g. 'cpu+cuda+tensorrt'. */
  layers: string;
  cudaToolkit?: string;
  cudaArchs?: string;
  tensorrtHeaders?: string;
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
  headersVersion: string;
}

/** Letterbox parameters; the geometry is computed in TypeScript (lib/ops/geometry.ts). */
export interface NativeLetterboxParams {
  width: number;
  height: number;
  channels: number;
  stride: number;
  /** 0 gray, 1 rgb, 2 bgr, 3 rgba, 4 bgra */
  order: number;
  resizedWidth: number;
  resizedHeight: number;
  outWidth: number;
  outHeight: number;
  padLeft: number;
  padTop: number;
  padValue: number;
  /** 0 float32, 1 float16, 2 uint8 */
  dtype: number;
  /** 0 nchw, 1 nhwc */
  layout: number;
}

export interface NativeDecodeParams {
  /** 0 yolov5 (anchor-based), 1 yolov8 (anchor-free), 2 end2end */
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

export interface NativeAddon {
  version: string;
  napiVersion: number;
  buildInfo(): NativeBuildInfo;
  // CPU ops (always compiled)
  letterbox(src: Uint8Array, params: NativeLetterboxParams, out: Float32Array | Uint16Array | Uint8Array): void;
  letterboxAsync(src: Uint8Array, params: NativeLetterboxParams, out: Float32Array | Uint16Array | Uint8Array): Promise<void>;
  /** One batch item; float16 data as Uint16Array bits. */
  decode(data: Float32Array | Uint16Array, params: NativeDecodeParams): { boxes: Float32Array; scores: Float32Array; classes: Int32Array };
  nms(boxes: Float32Array, scores: Float32Array, classes: Int32Array | null, iou: number, scoreThreshold: number, maxDet: number): Int32Array;
  // CUDA layer (absent when not compiled)
  cudaInfo?(): Promise<NativeCudaInfo>;
  cudaSelfTest?(device: number): Promise<string>;
  /** cudaMemGetInfo on `device`, in bytes. */
  cudaMemoryInfo?(device: number): Promise<{ free: number; total: number }>;
  pinnedAlloc?(bytes: number, mapped: boolean): Promise<{ buffer: ArrayBuffer; mapped: boolean }>;
  pinnedFree?(buffer: ArrayBuffer): void;
  pinnedBytesInUse?(): number;
  /** One NVML sample of the device with this PCI bus id (or index when the id is ''); `error` says why not. */
  nvmlRead?(pciBusId: string, index: number): Promise<NativeNvmlSample>;
  // TensorRT layer (absent when not compiled)
  /**
   * Parses ONNX and builds a serialized plan off the JS thread. `onProgress` is called on the JS thread;
   * setting cancel[0] to 1 stops the build at TensorRT's next progress step.
   */
  trtBuildEngine?(
    onnx: Uint8Array,
    params: NativeBuildParams,
    onProgress: (phase: string, step: number, steps: number) => void,
    cancel: Int32Array,
  ): Promise<{ plan: Uint8Array; timingCache: Uint8Array | null; networkLayers: number; engineInfo: string; warnings: string[] }>;
  tensorrtInfo?(): Promise<NativeTensorrtInfo>;
  /**
   * Loads a plan for inference: `contextsPerProfile` execution contexts for each optimization profile, profile-major
   * (context c serves profile floor(c / contextsPerProfile)). staging[c][t] is the pinned host memory of IO tensor t
   * (desc.tensors order) of context c. With `mapped`, that memory is handed to TensorRT directly (integrated GPUs).
   */
  trtLoadEngine?(
    plan: Uint8Array,
    device: number,
    contextsPerProfile: number,
    mapped: boolean,
  ): Promise<{ handle: unknown; desc: NativeEngineDesc; staging: ArrayBuffer[][] }>;
  /**
   * Runs context `context` on what its input staging holds; inputShapes: one per input, desc order. Resolves to the
   * output shapes (desc order); their data is then in the output staging. One request per context at a time.
   */
  trtRun?(handle: unknown, context: number, inputShapes: number[][]): Promise<number[][]>;
  /**
   * A benchmark run (trtjs bench): with `timing`, CUDA events around the input copies, the enqueue and the output
   * copies, and the host clock (CLOCK_MONOTONIC ms, as process.hrtime) around enqueueV3 alone; `transfers: false`
   * skips the copies; `spinWait` polls the stream instead of blocking on it.
   */
  trtRun?(
    handle: unknown,
    context: number,
    inputShapes: number[][],
    options: { timing?: boolean; transfers?: boolean; spinWait?: boolean },
  ): Promise<{ shapes: number[][]; timing?: NativeRunTiming }>;
  /** Detaches the staging ArrayBuffers and releases the engine (a run in flight keeps it until it ends). */
  trtDisposeEngine?(handle: unknown): void;
  /** Deserializes a plan (ERR_ENGINE_INCOMPATIBLE when it cannot) and describes it. */
  trtInspectEngine?(plan: Uint8Array, device: number): Promise<NativeEngineDesc>;
}

/** One timed TensorRT run: host times on CLOCK_MONOTONIC in ms, GPU durations from CUDA events. */
export interface NativeRunTiming {
  issueMs: number;
  enqueueStartMs: number;
  enqueueEndMs: number;
  h2dMs: number;
  computeMs: number;
  d2hMs: number;
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
  tensors: Array<{ name: string; input: boolean; dtype: number; shape: number[] }>;
  profiles: Array<Array<{ name: string; min: number[]; opt: number[]; max: number[] }>>;
  deviceMemory: number;
  layers: number;
}

/** The package root: lib/native/ in the sources and dist/native/ when built both sit two levels down. */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

let cached: { addon?: NativeAddon; error?: string } | undefined;

/** Loads the addon once; never throws. */
export function tryLoadAddon(): { addon?: NativeAddon; error?: string } {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    cached = { addon: load(packageRoot) };
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

/** A function of an optional native layer, or the error saying that layer was not compiled into this binary. */
export function layerFunction<K extends keyof NativeAddon>(
  name: K,
  layer: 'cuda' | 'tensorrt',
): NonNullable<NativeAddon[K]> {
  const fn = addon()[name];
  if (fn === undefined) {
    const code = layer === 'cuda' ? 'ERR_CUDA_UNAVAILABLE' : 'ERR_TRT_UNAVAILABLE';
    throw new TrtjsError(
      code,
      layer === 'cuda'
        ? 'this trtjs binary was built without CUDA (no CUDA compiler was found at build time); rebuild with nvcc on PATH'
        : 'this trtjs binary was built without the TensorRT layer (no TensorRT headers at build time); rebuild with TENSORRT_ROOT set',
    );
  }
  return (typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).bind(addon()) : fn) as NonNullable<NativeAddon[K]>;
}
