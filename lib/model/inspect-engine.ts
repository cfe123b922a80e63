import { capabilities, type Capabilities } from '../capabilities.js';
import { TrtjsError, settleNative } from '../errors.js';
import { addon, type NativeEngineDesc } from '../native/binding.js';
import * as check from '../util/validate.js';
import type { Profile } from '../build/shapes.js';
import type { EngineFile } from './engine-file.js';
import { parseMetadata, type ModelInfo, type TensorDtype, type TensorInfo } from './model-info.js';
import { readModelFile, type ModelSource } from './read-model.js';

/** nvinfer1::DataType by value. */
const TRT_DTYPES: TensorDtype[] = ['float32', 'float16', 'int8', 'int32', 'bool', 'uint8', 'unknown', 'bfloat16', 'int64'];

export interface EngineInspection extends ModelInfo {
  /** Optimization profiles: min/opt/max of each input with runtime dims (static inputs have no range). */
  profiles: Profile[];
  /** Device memory an execution context needs, in bytes. */
  deviceMemory: number;
  /** Engine layers after fusion. */
  layers: number;
  tensorrt: { loaded: string; builtWith?: string; builtOn?: string };
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
export async function inspectEngine(source: ModelSource, options?: { device?: number }): Promise<EngineInspection> {
  const o = check.options<{ device: number }>('inspectEngine: options', options);
  const device = check.optional(o.device, 0, (v) => check.integer('inspectEngine: options.device', v, 0, 64));
  const { name, engine: file } = await readModelFile(source, 'engine', 'inspectEngine');
  const caps = await capabilities();
  const inspect = addon().trtInspectEngine;
  if (!caps.tensorrt.available || !inspect) throw new TrtjsError('ERR_TRT_UNAVAILABLE', `inspectEngine: TensorRT is unavailable: ${caps.tensorrt.reason}`);
  const desc = await deserializing(name, file!, caps, device, () => settleNative(() => inspect(file!.plan, device)));
  return describeEngine(file!, desc, caps);
}

/**
 * Runs `fn`, which deserializes `file`'s plan, and turns its ERR_ENGINE_INCOMPATIBLE into one that names both
 * sides: the TensorRT and GPU the engine's header says built it, and the ones here.
 */
export async function deserializing<T>(name: string, file: EngineFile, caps: Capabilities, device: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TrtjsError && err.code === 'ERR_ENGINE_INCOMPATIBLE') {
      const { builtWith, builtOn } = provenance(file);
      const here = `TensorRT ${caps.tensorrt.version} on ${caps.cuda.devices[device]?.name ?? `device ${device}`}`;
      const there = builtWith ? `TensorRT ${builtWith}${builtOn ? ` on ${builtOn}` : ''}` : 'an unknown TensorRT (no header)';
      throw new TrtjsError('ERR_ENGINE_INCOMPATIBLE', `${name} was built with ${there}; ${here} cannot load it. ${err.message}`, { cause: err });
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
  const tensor = (t: { name: string; dtype: number; shape: number[] }): TensorInfo => ({ name: t.name, dtype: TRT_DTYPES[t.dtype] ?? 'unknown', shape: t.shape });
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
    layers: desc.layers,
    tensorrt: { loaded: caps.tensorrt.version!, ...provenance(file) },
  };
}
