import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { BadInputError, TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';
import { readEngineFile } from './engine-file.js';
import { parseMetadata, type ModelInfo } from './model-info.js';
import { decodeOnnx, onnxModelInfo } from './onnx-info.js';

/** A model given as a path or as the bytes of an ONNX or engine file. */
export type ModelSource = string | Uint8Array;

export async function readModelBytes(source: ModelSource, what = 'model'): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source === 'string') {
    try {
      return { bytes: await readFile(source), name: source };
    } catch (err) {
      throw new BadInputError(`${what}: cannot read ${source}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (source instanceof Uint8Array) return { bytes: source, name: `${source.length}-byte ${what}` };
  return check.fail(what, 'a file path or a Uint8Array/Buffer', source);
}

/** ONNX files start with protobuf field 1 (ir_version, varint): byte 0x08. Engines never do. */
export function looksLikeOnnx(bytes: Uint8Array, name: string): boolean {
  const ext = extname(name).toLowerCase();
  if (ext === '.onnx') return true;
  if (ext === '.engine' || ext === '.plan' || ext === '.trt') return false;
  return bytes[0] === 0x08;
}

/**
 * Reads the IO signature and metadata of an ONNX model or an engine file (metadata only: an engine's IO
 * signature needs TensorRT).
 *
 * @example
 * ```ts
 * const info = await readModelInfo('yolov8n.onnx');
 * info.names?.length; // 80
 * ```
 */
export async function readModelInfo(source: ModelSource): Promise<ModelInfo> {
  const { bytes, name } = await readModelBytes(source);
  if (bytes.length === 0) throw new TrtjsError('ERR_BAD_MODEL', `${name}: the file is empty`);
  if (looksLikeOnnx(bytes, name)) return onnxModelInfo(decodeOnnx(bytes, name));
  const engine = readEngineFile(bytes, name);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(engine.metadata ?? {})) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { format: 'engine', ...parseMetadata((engine.metadata ?? {}) as Record<string, never>), inputs: [], outputs: [], metadata };
}
