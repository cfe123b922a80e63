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
  headersVersion: string;
}

export interface NativeAddon {
  version: string;
  napiVersion: number;
  buildInfo(): NativeBuildInfo;
  // CUDA layer (absent when not compiled)
  cudaInfo?(): Promise<NativeCudaInfo>;
  cudaSelfTest?(device: number): Promise<string>;
  pinnedAlloc?(bytes: number, mapped: boolean): Promise<{ buffer: ArrayBuffer; mapped: boolean }>;
  pinnedFree?(buffer: ArrayBuffer): void;
  pinnedBytesInUse?(): number;
  // TensorRT layer (absent when not compiled)
  tensorrtInfo?(): Promise<NativeTensorrtInfo>;
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
