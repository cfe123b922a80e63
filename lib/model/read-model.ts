import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { BadInputError, TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';
import { mayBeUntaggedPlan, readEngineFile, startsWithPlanMagic, type EngineFile } from './engine-file.js';
import { parseMetadata, type ModelInfo } from './model-info.js';
import { decodeOnnx, onnxModelInfo } from './onnx-info.js';

/** Model bytes with the name messages should call them by (the file they were read from, say). */
export interface NamedModelBytes {
  bytes: Uint8Array;
  name: string;
}

/** A model given as a path, as the bytes of an ONNX or engine file, or as such bytes with a name. */
export type ModelSource = string | Uint8Array | NamedModelBytes;

export function isModelSource(value: unknown): value is ModelSource {
  if (typeof value === 'string' || value instanceof Uint8Array) return true;
  const v = value as Partial<NamedModelBytes> | null;
  return typeof v === 'object' && v !== null && v.bytes instanceof Uint8Array && typeof v.name === 'string';
}

/** Why a file could not be read, in a user's words. */
export function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

export async function readModelBytes(source: ModelSource, what = 'model'): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source);
    } catch (err) {
      throw new BadInputError(`${what}: cannot read ${source}: ${readError(err)}`, { cause: err });
    }
    if (bytes.length === 0) throw new TrtjsError('ERR_BAD_MODEL', `${source}: the file is empty`);
    return { bytes, name: source };
  }
  if (source instanceof Uint8Array) return { bytes: source, name: `the ${source.length}-byte ${what}` };
  if (isModelSource(source)) return { bytes: source.bytes, name: source.name };
  return check.fail(what, 'a file path, a Uint8Array/Buffer, or { bytes, name }', source);
}

/** ONNX files start with protobuf field 1 (ir_version, varint): byte 0x08. Engines never do. */
export function looksLikeOnnx(bytes: Uint8Array, name: string): boolean {
  const ext = extname(name).toLowerCase();
  if (ext === '.onnx') return true;
  if (ext === '.engine' || ext === '.plan' || ext === '.trt') return false;
  return bytes[0] === 0x08;
}

/**
 * Which kind of model file this is, from its content (the extension only breaks ties): ERR_BAD_MODEL naming the
 * file when it is neither ONNX nor a TensorRT engine (plain plan or Ultralytics' metadata header).
 */
export function checkModelFile(bytes: Uint8Array, name: string): 'onnx' | 'engine' {
  if (bytes.length === 0) throw new TrtjsError('ERR_BAD_MODEL', `${name}: the file is empty`);
  if (startsWithPlanMagic(bytes)) return 'engine';
  if (bytes.length >= 8) {
    const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0, true);
    // Ultralytics' layout: a JSON object's length, then '{' (a length past the end: a truncated engine, said so later).
    if (header > 0 && header <= 16 * 1024 * 1024 && bytes[4] === 0x7b) return 'engine';
  }
  if (bytes[0] === 0x08) return 'onnx';
  if (mayBeUntaggedPlan(bytes, name)) return 'engine';
  const ext = extname(name).toLowerCase();
  const hint = ext === '.onnx' || ext === '.engine' || ext === '.plan' || ext === '.trt' ? ` despite its ${ext} name` : '';
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new TrtjsError('ERR_BAD_MODEL', `${name} is not an ONNX model or TensorRT engine${hint} (it starts with bytes ${head})`);
}

export interface ModelFile {
  bytes: Uint8Array;
  name: string;
  format: 'onnx' | 'engine';
  /** The split engine file (metadata header and plan), for engines. */
  engine?: EngineFile;
}

/**
 * Reads a model and checks it is of the kind the caller runs, with one set of messages for every entry point: a
 * missing path or a directory (ERR_BAD_INPUT), an empty file or one that is neither ONNX nor an engine
 * (ERR_BAD_MODEL), an engine where ONNX is needed or the reverse (ERR_BAD_INPUT, saying what to do instead).
 */
export async function readModelFile(source: ModelSource, want: 'onnx' | 'engine' | 'any', what: string): Promise<ModelFile> {
  const { bytes, name } = await readModelBytes(source, what);
  const format = checkModelFile(bytes, name);
  if (want === 'onnx' && format === 'engine') throw new BadInputError(`${what}: ${name} is a TensorRT engine; this needs the ONNX model`);
  if (want === 'engine' && format === 'onnx')
    throw new BadInputError(`${what}: ${name} is an ONNX model: build an engine from it first (buildEngine or trtjs build)`);
  return { bytes, name, format, engine: format === 'engine' ? readEngineFile(bytes, name) : undefined };
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
  const { bytes, name, engine } = await readModelFile(source, 'any', 'readModelInfo');
  if (!engine) return onnxModelInfo(decodeOnnx(bytes, name));
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(engine.metadata ?? {})) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { format: 'engine', ...parseMetadata((engine.metadata ?? {}) as Record<string, never>, name), inputs: [], outputs: [], metadata };
}
