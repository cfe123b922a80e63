/**
 * The Ultralytics `.engine` layout: int32 little-endian length, that many bytes of JSON metadata, then the
 * TensorRT plan. A plain plan (trtexec, TensorRT's own serialize) starts with TensorRT's magic `ftrt` and
 * reads as "no metadata".
 */
import { LIMITS } from '../defaults.js';
import { TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';

const PLAN_MAGIC = [0x66, 0x74, 0x72, 0x74]; // "ftrt"
/** Far above any real metadata (COCO's is ~2 KB); a larger length means the file is not this layout. */
const MAX_HEADER = 16 * 1024 * 1024;

export interface EngineFile {
  /** Parsed JSON metadata, or undefined for a plain plan. */
  metadata?: Record<string, unknown>;
  /** The TensorRT plan (a view into the input). */
  plan: Uint8Array;
  /**
   * false for a plain plan that does not start with TensorRT's `ftrt` tag, taken as a plan because its file name says
   * so (.engine, .plan, .trt): TensorRT decides whether it is one. A version-compatible plan may not carry the tag.
   */
  tagged?: boolean;
}

export function startsWithPlanMagic(bytes: Uint8Array, offset = 0): boolean {
  return bytes.length >= offset + 4 && PLAN_MAGIC.every((b, i) => bytes[offset + i] === b);
}

/** File signatures of things that are certainly not TensorRT plans (images, archives, executables, documents). */
const OTHER_FORMATS: number[][] = [
  [0xff, 0xd8, 0xff], // JPEG
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x25, 0x50, 0x44, 0x46], // PDF
  [0x50, 0x4b, 0x03, 0x04], // ZIP (and .pt, .npz)
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0x1f, 0x8b], // gzip
];

/**
 * Whether bytes without TensorRT's tag or Ultralytics' header may still be a plan: the name ends in .engine, .plan
 * or .trt, and they are not ONNX nor a known other format. TensorRT then decides.
 */
export function mayBeUntaggedPlan(bytes: Uint8Array, name: string): boolean {
  if (!/\.(engine|plan|trt)$/i.test(name) || bytes.length < 8 || bytes[0] === 0x08) return false;
  return !OTHER_FORMATS.some((sig) => sig.every((b, i) => bytes[i] === b));
}

/** Deepest nesting of arrays and objects in JSON text, counted without parsing (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Splits an engine file into metadata and plan; ERR_BAD_MODEL when it is neither layout. */
export function readEngineFile(bytes: Uint8Array, source = 'engine file'): EngineFile {
  if (!(bytes instanceof Uint8Array)) check.fail('readEngineFile: bytes', "a Uint8Array or Buffer of the engine file's content", bytes);
  if (typeof source !== 'string') check.fail('readEngineFile: source', 'a name for messages', source);
  if (startsWithPlanMagic(bytes)) return { plan: bytes, tagged: true };
  if (bytes.length < 8) throw new TrtjsError('ERR_BAD_MODEL', `${source}: ${bytes.length} bytes is too short for a TensorRT engine`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0, true);
  // Ultralytics' layout starts its JSON object at byte 4; anything else is not an engine at all, unless its name says
  // it is a plan (one without the tag: TensorRT will say whether it is).
  if (bytes[4] !== 0x7b) {
    if (mayBeUntaggedPlan(bytes, source)) return { plan: bytes, tagged: false };
    throw new TrtjsError('ERR_BAD_MODEL', `${source} is not a TensorRT engine or an ONNX model (no plan magic, no metadata header)`);
  }
  if (length <= 0 || length > MAX_HEADER || 4 + length >= bytes.length) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `${source}: truncated or corrupt TensorRT engine: a metadata length of ${length} bytes does not fit the ${bytes.length}-byte file`,
    );
  }
  let metadata: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + length));
    // JSON.parse copes with any depth, but everything that walks the result recursively would not.
    const depth = jsonDepth(text);
    if (depth > LIMITS.metadataDepth) throw new Error(`it nests ${depth} levels deep (at most ${LIMITS.metadataDepth})`);
    metadata = JSON.parse(text);
  } catch (err) {
    throw new TrtjsError('ERR_BAD_MODEL', `${source}: the ${length}-byte metadata header is not valid UTF-8 JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TrtjsError('ERR_BAD_MODEL', `${source}: the metadata header must be a JSON object`);
  }
  if (!startsWithPlanMagic(bytes, 4 + length)) {
    throw new TrtjsError('ERR_BAD_MODEL', `${source}: no TensorRT plan follows the ${length}-byte metadata header (truncated or not an engine)`);
  }
  return { metadata: metadata as Record<string, unknown>, plan: bytes.subarray(4 + length), tagged: true };
}

/**
 * Writes metadata in front of a plan. The JSON is ASCII-only (non-ASCII escaped, as Python's json.dumps does) so
 * its character count equals its byte count, which is what Ultralytics' reader assumes.
 */
export function writeEngineFile(plan: Uint8Array, metadata: Record<string, unknown>): Uint8Array {
  if (!(plan instanceof Uint8Array)) check.fail('writeEngineFile: plan', 'a Uint8Array of a serialized TensorRT plan', plan);
  check.object('writeEngineFile: metadata', metadata);
  const json = JSON.stringify(metadata).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + header.length + plan.length);
  new DataView(out.buffer).setInt32(0, header.length, true);
  out.set(header, 4);
  out.set(plan, 4 + header.length);
  return out;
}
