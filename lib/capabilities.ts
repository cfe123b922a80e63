import { createRequire } from 'node:module';

import { settleNative } from './errors.js';
import { layerFunction, missingCudaLayer, missingTensorrtLayer, tryLoadAddon, packageRoot, type NativeCudaDevice } from './native/binding.js';
import { loadOnnxRuntime } from './util/onnxruntime.js';
import * as check from './util/validate.js';

/** A CUDA device as the driver reports it. */
export interface CudaDevice extends NativeCudaDevice {
  /** With `capabilities({ selfTest: true })`: 'ok' when a trtjs kernel ran correctly on it, else the reason. */
  selfTest?: string;
}

/**
 * What this installation of trtjs can do on this machine. Every field is filled in whether or not a GPU,
 * TensorRT or ONNX Runtime is present; `reason` says exactly why something is unavailable.
 */
export interface Capabilities {
  /** trtjs package version. */
  version: string;
  /** Node-API version of the running Node.js. */
  napiVersion: number;
  addon: {
    loaded: boolean;
    /** The `.node` file that was loaded. */
    path?: string;
    version?: string;
    reason?: string;
    /** Layers compiled into the binary. */
    layers: { cpu: boolean; cuda: boolean; tensorrt: boolean };
    /** CUDA toolkit and architectures the CUDA layer was compiled for. */
    cudaToolkit?: string;
    cudaArchs?: string[];
    /**
     * The TensorRT layers compiled in, one per TensorRT major, each named by the version of the headers it was
     * compiled against, newest major first (e.g. ['11.1.0', '10.3.0']). A layer serves libraries of its major
     * whose minor is at least its headers' minor. Empty without the TensorRT layer.
     */
    tensorrtLayers: string[];
  };
  cuda: {
    available: boolean;
    reason?: string;
    /** Highest CUDA version the driver supports, e.g. '13.0'. */
    driverVersion?: string;
    /** Version of the CUDA runtime linked into the addon. */
    runtimeVersion?: string;
    /**
     * The oldest driver this binary's CUDA layer runs on, as the CUDA version it supports: the linked runtime's major
     * with minor 0 (CUDA's minor-version compatibility), e.g. '12.0' (R525+) for CUDA 12.x, '13.0' (R580+) for 13.x.
     */
    requiredDriverVersion?: string;
    devices: CudaDevice[];
  };
  tensorrt: {
    available: boolean;
    reason?: string;
    /** Version of the libnvinfer opened. */
    version?: string;
    libraryPath?: string;
    /** The compiled layer serving it (one of addon.tensorrtLayers), chosen by its major. */
    layer?: string;
    onnxParser: { available: boolean; path?: string; reason?: string };
    /** TensorRT's standard plugin library (libnvinfer_plugin), needed only by models that use its plugins. */
    plugins: { available: boolean; path?: string; reason?: string };
    /**
     * Whether engines can be built here: TensorRT's builder needs its builder resource library
     * (libnvinfer_builder_resource*.so.<version>), which trtjs finds next to libnvinfer (or where the dynamic loader
     * looks) and preloads. `resources`: the files found. Loading and running engines does not need it.
     */
    builder: { available: boolean; resources?: string[]; reason?: string };
  };
  onnxruntime: { available: boolean; version?: string; reason?: string };
}

const require = createRequire(import.meta.url);
const packageVersion: string = require(`${packageRoot}package.json`).version;

/**
 * Reports the addon, CUDA, TensorRT and ONNX Runtime status. Never rejects because something is missing.
 *
 * @param options.selfTest also launch a kernel on every device to prove this binary can run on it (slower).
 * @example
 * ```ts
 * import { capabilities } from 'trtjs';
 * const caps = await capabilities();
 * if (!caps.tensorrt.available) console.log(`no TensorRT: ${caps.tensorrt.reason}`);
 * ```
 */
export async function capabilities(options?: { selfTest?: boolean }): Promise<Capabilities> {
  const opts = check.options<{ selfTest: boolean }>('capabilities: options', options);
  const selfTest = check.optional(opts.selfTest, false, (v) => check.boolean('capabilities: options.selfTest', v));
  const { addon, error } = tryLoadAddon();
  const caps: Capabilities = {
    version: packageVersion,
    napiVersion: Number(process.versions.napi),
    addon: { loaded: !!addon, layers: { cpu: false, cuda: false, tensorrt: false }, tensorrtLayers: [] },
    cuda: { available: false, devices: [] },
    tensorrt: { available: false, onnxParser: { available: false }, plugins: { available: false }, builder: { available: false } },
    onnxruntime: await onnxRuntimeStatus(),
  };
  if (!addon) {
    caps.addon.reason = error;
    caps.cuda.reason =
      caps.tensorrt.reason =
      caps.tensorrt.onnxParser.reason =
      caps.tensorrt.plugins.reason =
      caps.tensorrt.builder.reason =
        'the native addon is not loaded';
    return caps;
  }
  const build = addon.buildInfo();
  const layers = new Set(build.layers.split('+'));
  Object.assign(caps.addon, {
    path: addonPath(),
    version: addon.version,
    layers: { cpu: layers.has('cpu'), cuda: layers.has('cuda'), tensorrt: layers.has('tensorrt') },
    cudaToolkit: build.cudaToolkit,
    cudaArchs: build.cudaArchs?.split(','),
    tensorrtLayers: build.tensorrtLayers ? build.tensorrtLayers.split(',') : [],
  });

  if (caps.addon.layers.cuda) {
    const info = await settleNative(() => layerFunction('cudaInfo', 'cuda')());
    const required = info.runtimeVersion ? `${info.runtimeVersion.split('.')[0]}.0` : undefined;
    caps.cuda = {
      available: info.available,
      reason: info.available ? undefined : info.error,
      driverVersion: info.driverVersion || undefined,
      runtimeVersion: info.runtimeVersion || undefined,
      requiredDriverVersion: required,
      devices: info.devices,
    };
    if (!info.available && info.driverVersion && required && versionBelow(info.driverVersion, required)) {
      caps.cuda.reason = driverTooOld(info.driverVersion, info.runtimeVersion, required);
    }
    if (selfTest) {
      const run = layerFunction('cudaSelfTest', 'cuda');
      for (const device of caps.cuda.devices) {
        const failure = await settleNative(() => run(device.index));
        device.selfTest = failure === '' ? 'ok' : failure;
      }
    }
  } else {
    caps.cuda.reason = missingCudaLayer();
  }

  if (caps.addon.layers.tensorrt) {
    const info = await settleNative(() => layerFunction('tensorrtInfo', 'tensorrt')());
    caps.tensorrt = {
      available: info.loaded,
      reason: info.loaded ? undefined : info.error,
      version: info.version || undefined,
      libraryPath: info.libraryPath || undefined,
      layer: info.layer || undefined,
      onnxParser: {
        available: info.parserLoaded,
        path: info.parserPath || undefined,
        reason: info.parserLoaded ? undefined : info.parserError || undefined,
      },
      plugins: {
        available: info.pluginsLoaded,
        path: info.pluginsPath || undefined,
        reason: info.pluginsLoaded ? undefined : info.pluginsError || undefined,
      },
      builder: info.loaded
        ? {
            available: info.builderResources.length > 0,
            resources: info.builderResources.length ? info.builderResources : undefined,
            reason: info.builderResources.length ? undefined : info.builderError || undefined,
          }
        : { available: false, reason: info.error },
    };
    if (caps.tensorrt.available && !caps.cuda.available) {
      caps.tensorrt.available = false;
      caps.tensorrt.reason = `TensorRT ${info.version} was found but no CUDA device is usable: ${caps.cuda.reason}`;
    }
  } else {
    caps.tensorrt.reason = missingTensorrtLayer();
    caps.tensorrt.onnxParser.reason = caps.tensorrt.plugins.reason = caps.tensorrt.builder.reason = caps.tensorrt.reason;
  }
  return caps;
}

/** Driver branch that first supports each CUDA major (NVIDIA's CUDA compatibility tables). */
const DRIVER_BRANCH: Record<string, string> = { '11': 'R450', '12': 'R525', '13': 'R580' };

/** ' (R450+)' for a required CUDA version of 11.x, '' where the branch is not known. */
export function driverBranch(required: string): string {
  const branch = DRIVER_BRANCH[required.split('.')[0]];
  return branch ? ` (${branch}+)` : '';
}

function versionBelow(a: string, b: string): boolean {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  return x[0] < y[0] || (x[0] === y[0] && (x[1] ?? 0) < (y[1] ?? 0));
}

/** Why the CUDA layer cannot run on this driver, naming both versions, and what fixes it. */
function driverTooOld(driver: string, runtime: string, required: string): string {
  return (
    `the NVIDIA driver supports CUDA ${driver}, but this trtjs binary's CUDA layer (CUDA runtime ${runtime}) needs a driver for CUDA ` +
    `${required} or newer${driverBranch(required)}. Update the driver, or build trtjs against a CUDA toolkit this driver supports ` +
    `(its nvcc on PATH): \`TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs\``
  );
}

function addonPath(): string | undefined {
  try {
    const load = require('node-gyp-build') as { path(dir: string): string };
    return load.path(packageRoot);
  } catch {
    return undefined;
  }
}

async function onnxRuntimeStatus(): Promise<Capabilities['onnxruntime']> {
  const ort = await loadOnnxRuntime();
  return ort.module ? { available: true, version: ort.version } : { available: false, reason: ort.reason };
}
