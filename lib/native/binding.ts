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
  /** Detaches the staging ArrayBuffers and releases the engine (a run in flight keeps it until it ends). */
  trtDisposeEngine?(handle: unknown): void;
  /** Deserializes a plan (ERR_ENGINE_INCOMPATIBLE when it cannot) and describes it. */
  trtInspectEngine?(plan: Uint8Array, device: number): Promise<NativeEngineDesc>;
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

/** A function of an optional native layer, or the error saying that layer was not compiled into this binary. */
export function layerFunction<K extends keyof NativeAddon>(
  name: K,
  layer: 'cuda' | 'tensorrt',
): NonNullable<NativeAddon[K]> {
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
  const fix = buildEnv()?.tensorrtRebuildHint() ?? 'run `TENSORRT_ROOT=<your TensorRT> npm rebuild trtjs` (needs CMake, nvcc and TensorRT\'s headers)';
  return `this trtjs binary was built without a TensorRT layer (no TensorRT headers at build time): to add one, ${fix}`;
}

/** Why this binary has no CUDA layer, and the command that adds one on this machine. */
export function missingCudaLayer(): string {
  const nvcc = buildEnv()?.findNvcc();
  return nvcc
    ? `this trtjs binary was built without the CUDA layer, but ${nvcc} is here now: run \`TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs\``
    : 'this trtjs binary was built without the CUDA layer (no CUDA compiler at build time): install the CUDA toolkit, put nvcc on PATH and run `TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs`';
}
