import { capabilities, type Capabilities } from '../capabilities.js';
import { TrtjsError, settleNative } from '../errors.js';
import { layerFunction, type NativeEngineDesc, type NativeLoadOptions } from '../native/binding.js';
import * as check from '../util/validate.js';
import type { Profile } from '../build/shapes.js';
import type { EngineFile } from './engine-file.js';
import { parseMetadata, type ModelInfo, type TensorDtype, type TensorInfo } from './model-info.js';
import { readModelFile, type ModelSource } from './read-model.js';

/** nvinfer1::DataType by value. */
const TRT_DTYPES: TensorDtype[] = ['float32', 'float16', 'int8', 'int32', 'bool', 'uint8', 'unknown', 'bfloat16', 'int64'];

/** nvinfer1::TensorFormat by value, as trtexec's --inputIOFormats spells them. */
const TRT_FORMATS = ['linear', 'chw2', 'hwc8', 'chw4', 'chw16', 'chw32', 'dhwc8', 'cdhw32', 'hwc', 'dla_linear', 'dla_hwc4', 'hwc16', 'dhwc'];

/** A tensor format's name ('linear', 'chw16', ...). */
export function formatName(format: number): string {
  return TRT_FORMATS[format] ?? `format ${format}`;
}

export interface EngineInspection extends ModelInfo {
  /** Optimization profiles: min/opt/max of each input with runtime dims (static inputs have no range). */
  profiles: Profile[];
  /**
   * Device memory an execution context reserves for its activations, in bytes, with TensorRT's default allocation
   * (enough for every profile). IO buffers come on top.
   */
  deviceMemory: number;
  /**
   * What a context reserves for one profile alone (TensorRT 10+), by profile: what each context takes with
   * `allocationStrategy: 'profile'`. Undefined before TensorRT 10.
   */
  profileMemory?: number[];
  /**
   * The memory layout of each IO tensor, per profile, as trtexec's `--inputIOFormats` names it: 'linear' (row-major,
   * what JavaScript arrays hold, and the only layout trtjs runs), or a vectorized one ('chw16', 'hwc8', ...).
   */
  formats: Record<string, string[]>;
  /** Engine layers after fusion. */
  layers: number;
  /** What TensorRT warned about while loading the plan (e.g. a plan built on another GPU model or TensorRT). */
  warnings: string[];
  tensorrt: { loaded: string; builtWith?: string; builtOn?: string };
}

/**
 * The load option for `allowHostCode`, checked against the TensorRT found (the runtime flag exists from 8.6), with the
 * process warning that says host code will run.
 */
export function hostCodeOption(where: string, name: string, allowHostCode: boolean, caps: Capabilities): NativeLoadOptions {
  if (!allowHostCode) return { allowHostCode };
  const [major, minor] = (caps.tensorrt.version ?? '0.0').split('.').map(Number);
  if (caps.tensorrt.available && (major < 8 || (major === 8 && minor < 6))) {
    check.fail(`${where}: options.allowHostCode`, `false on TensorRT ${caps.tensorrt.version} (engine host code needs TensorRT 8.6 or newer)`, allowHostCode);
  }
  process.emitWarning(`${where}: ${name} may run host code from its plan (allowHostCode: true): allow it only for plans you trust`, {
    code: 'TRTJS_ENGINE_HOST_CODE',
  });
  return { allowHostCode };
}

/**
 * Why trtjs cannot exchange this IO tensor's data with JavaScript: a vectorized or channel-last layout (trtexec
 * --inputIOFormats=fp16:chw16, ...) in some profile, which a row-major TypedArray does not hold. Undefined when linear.
 */
export function linearLayoutProblem(t: NativeEngineDesc['tensors'][number]): string | undefined {
  const p = t.formats.findIndex((f) => f.format !== 0);
  if (p < 0) return undefined;
  const f = t.formats[p];
  const where = t.formats.length > 1 ? ` in profile ${p}` : '';
  return (
    `${t.input ? 'input' : 'output'} '${t.name}' has TensorRT's ${formatName(f.format)} layout${where} (${f.text}), but trtjs exchanges row-major ` +
    `(linear) tensors only: build the engine with linear IO (trtexec --inputIOFormats/--outputIOFormats with :chw, or without them)`
  );
}

/**
 * Deserializes an engine with the installed TensorRT and describes it: IO tensors, profiles, device memory,
 * metadata. A plan made by another TensorRT version or for another GPU is refused with ERR_ENGINE_INCOMPATIBLE
 * naming both sides where the engine's header records them.
 *
 * @example
 * ```ts
 * const e = await inspectEngine('yolo11n.engine');
 * console.log(e.inputs, e.profiles, e.deviceMemory);
 * ```
 */
export async function inspectEngine(source: ModelSource, options?: { device?: number; allowHostCode?: boolean }): Promise<EngineInspection> {
  const o = check.options<{ device: number; allowHostCode: boolean }>('inspectEngine: options', options);
  const device = check.optional(o.device, 0, (v) => check.integer('inspectEngine: options.device', v, 0, 64));
  const allowHostCode = check.optional(o.allowHostCode, false, (v) => check.boolean('inspectEngine: options.allowHostCode', v));
  const { name, engine: file } = await readModelFile(source, 'engine', 'inspectEngine');
  const caps = await capabilities();
  const inspect = layerFunction('trtInspectEngine', 'tensorrt');
  if (!caps.tensorrt.available) throw new TrtjsError('ERR_TRT_UNAVAILABLE', `inspectEngine: TensorRT is unavailable: ${caps.tensorrt.reason}`);
  const loadOptions = hostCodeOption('inspectEngine', name, allowHostCode, caps);
  const desc = await deserializing(name, file!, caps, device, allowHostCode, () => settleNative(() => inspect(file!.plan, device, loadOptions)));
  return describeEngine(file!, desc, caps);
}

/**
 * Runs `fn`, which deserializes `file`'s plan, and turns its ERR_ENGINE_INCOMPATIBLE into one that names both
 * sides: the TensorRT and GPU the engine's header says built it, and the ones here.
 */
export async function deserializing<T>(
  name: string,
  file: EngineFile,
  caps: Capabilities,
  device: number,
  allowHostCode: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TrtjsError && err.code === 'ERR_ENGINE_INCOMPATIBLE') {
      const { builtWith, builtOn } = provenance(file);
      const here = `TensorRT ${caps.tensorrt.version} on ${caps.cuda.devices[device]?.name ?? `device ${device}`}`;
      const there = builtWith ? `TensorRT ${builtWith}${builtOn ? ` on ${builtOn}` : ''}` : 'an unknown TensorRT (no header)';
      // A version-compatible plan holds host code TensorRT runs only when allowed: say how, without allowing it.
      const hostCode =
        /host code/i.test(err.message) && !allowHostCode
          ? ' If it is a version-compatible plan you trust (trtexec --versionCompatible), load it with allowHostCode: true.'
          : '';
      const tag = file.tagged === false ? ` (the plan does not start with TensorRT's 'ftrt' tag)` : '';
      throw new TrtjsError('ERR_ENGINE_INCOMPATIBLE', `${name} was built with ${there}; ${here} cannot load it${tag}. ${err.message}${hostCode}`, {
        cause: err,
      });
    }
    throw err;
  }
}

function provenance(file: EngineFile): { builtWith?: string; builtOn?: string } {
  const meta = (file.metadata ?? {}) as Record<string, unknown>;
  return {
    builtWith: typeof meta.tensorrt === 'string' ? meta.tensorrt : undefined,
    builtOn: typeof meta.device === 'string' ? meta.device : undefined,
  };
}

/** An engine file's metadata and the native description of its plan, as one EngineInspection. */
export function describeEngine(file: EngineFile, desc: NativeEngineDesc, caps: Capabilities): EngineInspection {
  const meta = (file.metadata ?? {}) as Record<string, unknown>;
  const tensor = (t: { name: string; dtype: number; shape: number[] }): TensorInfo => ({
    name: t.name,
    dtype: TRT_DTYPES[t.dtype] ?? 'unknown',
    shape: t.shape,
  });
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    format: 'engine',
    ...parseMetadata(meta as Record<string, never>),
    inputs: desc.tensors.filter((t) => t.input).map(tensor),
    outputs: desc.tensors.filter((t) => !t.input).map(tensor),
    metadata,
    profiles: desc.profiles.map((p) => Object.fromEntries(p.map((i) => [i.name, { min: i.min, opt: i.opt, max: i.max }]))),
    deviceMemory: desc.deviceMemory,
    profileMemory: desc.profileMemory.length ? [...desc.profileMemory] : undefined,
    formats: Object.fromEntries(desc.tensors.map((t) => [t.name, t.formats.map((f) => formatName(f.format))])),
    layers: desc.layers,
    warnings: [...desc.warnings],
    tensorrt: { loaded: caps.tensorrt.version!, ...provenance(file) },
  };
}
