/**
 * The Ultralytics `.engine` layout: int32 little-endian length, that many bytes of JSON metadata, then the
 * TensorRT plan. A plain plan (trtexec, TensorRT's own serialize) starts with TensorRT's magic `ftrt` and
 * reads as "no metadata".
 */
import { TrtjsError } from '../errors.js';

const PLAN_MAGIC = [0x66, 0x74, 0x72, 0x74]; // "ftrt"
/** Far above any real metadata (COCO's is ~2 KB); a larger length means the file is not this layout. */
const MAX_HEADER = 16 * 1024 * 1024;

export interface EngineFile {
  /** Parsed JSON metadata, or undefined for a plain plan. */
  metadata?: Record<string, unknown>;
  /** The TensorRT plan (a view into the input). */
  plan: Uint8Array;
}

export function startsWithPlanMagic(bytes: Uint8Array, offset = 0): boolean {
  return bytes.length >= offset + 4 && PLAN_MAGIC.every((b, i) => bytes[offset + i] === b);
}

/** Splits an engine file into metadata and plan; ERR_BAD_MODEL when it is neither layout. */
export function readEngineFile(bytes: Uint8Array, source = 'engine file'): EngineFile {
  if (startsWithPlanMagic(bytes)) return { plan: bytes };
  if (bytes.length < 8) throw new TrtjsError('ERR_BAD_MODEL', `${source}: ${bytes.length} bytes is too short for a TensorRT engine`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0, true);
  if (length <= 0 || length > MAX_HEADER || 4 + length >= bytes.length) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `${source}: not a TensorRT engine: no plan magic, and a metadata length of ${length} bytes does not fit a ${bytes.length}-byte file`,
    );
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + length)));
  } catch (err) {
    throw new TrtjsError('ERR_BAD_MODEL', `${source}: the ${length}-byte metadata header is not valid UTF-8 JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TrtjsError('ERR_BAD_MODEL', `${source}: the metadata header must be a JSON object`);
  }
  if (!startsWithPlanMagic(bytes, 4 + length)) {
    throw new TrtjsError('ERR_BAD_MODEL', `${source}: no TensorRT plan follows the ${length}-byte metadata header (truncated or not an engine)`);
  }
  return { metadata: metadata as Record<string, unknown>, plan: bytes.subarray(4 + length) };
}

/**
 * Writes metadata in front of a plan. The JSON is ASCII-only (non-ASCII escaped, as Python's json.dumps does) so
 * its character count equals its byte count, which is what Ultralytics' reader assumes.
 */
export function writeEngineFile(plan: Uint8Array, metadata: Record<string, unknown>): Uint8Array {
  const json = JSON.stringify(metadata).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + header.length + plan.length);
  new DataView(out.buffer).setInt32(0, header.length, true);
  out.set(header, 4);
  out.set(plan, 4 + header.length);
  return out;
}
