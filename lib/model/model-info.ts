import { LIMITS } from '../defaults.js';
import { TrtjsError } from '../errors.js';
import { parsePythonLiteral, type PyValue } from './python-literal.js';

export type TensorDtype = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool' | 'bfloat16' | 'float64' | 'unknown';

/** One input or output tensor: a dimension is a number, or a name/`-1` where it is dynamic. */
export interface TensorInfo {
  name: string;
  dtype: TensorDtype;
  shape: Array<number | string>;
}

/** What trtjs knows about a model file, from ONNX or a TensorRT engine, in one shape. */
export interface ModelInfo {
  format: 'onnx' | 'engine';
  task?: string;
  /** Class names by id. */
  names?: string[];
  /** Input size [height, width] the model was exported for. */
  imgsz?: [number, number];
  stride?: number;
  batch?: number;
  /** NMS-free head (YOLOv10, YOLO26, nms=True exports). */
  end2end?: boolean;
  /** Exported with dynamic shapes. */
  dynamic?: boolean;
  /** Exported in half precision. */
  half?: boolean;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** ONNX opset of the default domain. */
  opset?: number;
  producer?: string;
  /** Every metadata entry as written, unparsed. */
  metadata: Record<string, string>;
}

/** The fields trtjs interprets, parsed strictly from Ultralytics' metadata strings. */
export type ParsedMetadata = Pick<ModelInfo, 'task' | 'names' | 'imgsz' | 'stride' | 'batch' | 'end2end' | 'dynamic' | 'half'>;

function shortJson(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const text = typeof value === 'object' && value !== null ? `an object with ${Object.keys(value).length} keys` : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Parses Ultralytics' metadata. Values are Python literals (`{0: 'person'}`, `[640, 640]`, `True`) in ONNX files
 * and JSON in engine headers (where `names` has string keys); both are accepted. Unknown keys are kept
 * unparsed in ModelInfo.metadata.
 */
export function parseMetadata(raw: Record<string, string | PyValue>, source?: string): ParsedMetadata {
  const where = source ? `${source}: ` : '';
  const bad = (key: string, expected: string, got: unknown): never => {
    throw new TrtjsError('ERR_BAD_MODEL', `${where}metadata '${key}' must be ${expected}, got ${shortJson(got)}`);
  };
  const value = (key: string): PyValue | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    const parsed = typeof v === 'string' && key !== 'task' ? parsePythonLiteral(v, `${where}metadata '${key}'`) : v;
    const size = Array.isArray(parsed) ? parsed.length : parsed && typeof parsed === 'object' ? Object.keys(parsed).length : 0;
    if (size > LIMITS.metadataEntries) bad(key, `at most ${LIMITS.metadataEntries} entries`, parsed);
    return parsed;
  };
  const out: ParsedMetadata = {};
  const task = raw.task;
  if (task !== undefined) out.task = typeof task === 'string' ? task : bad('task', 'a string', task);
  const names = value('names');
  if (names !== undefined) {
    if (Array.isArray(names)) {
      out.names = names.map((n) => (typeof n === 'string' ? n : bad('names', 'strings', n)));
    } else if (names && typeof names === 'object') {
      const entries = Object.entries(names);
      const list: string[] = [];
      for (const [k, v] of entries) {
        const id = Number(k);
        if (!Number.isInteger(id) || id < 0 || id >= entries.length) bad('names', 'keys 0..n-1', k);
        if (typeof v !== 'string') bad('names', 'string values', v);
        list[id] = v as string;
      }
      out.names = list;
    } else bad('names', 'a dict or list of class names', names);
  }
  const imgsz = value('imgsz');
  if (imgsz !== undefined) {
    const pair = typeof imgsz === 'number' ? [imgsz, imgsz] : imgsz;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && (d as number) > 0)) bad('imgsz', '[height, width]', imgsz);
    out.imgsz = pair as [number, number];
  }
  const int = (key: 'stride' | 'batch') => {
    const v = value(key);
    if (v === undefined) return;
    // Some exports write stride as a list (the strides of each head): the largest counts.
    const positive = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
    if (Array.isArray(v) ? !v.length || !v.every(positive) : !positive(v)) bad(key, 'a positive integer', v);
    out[key] = Array.isArray(v) ? (v as number[]).reduce((a, b) => Math.max(a, b)) : (v as number);
  };
  int('stride');
  int('batch');
  const bool = (key: string): boolean | undefined => {
    const v = value(key);
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : bad(key, 'True or False', v);
  };
  out.end2end = bool('end2end');
  const args = value('args');
  const argsObj = args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, PyValue>) : {};
  out.dynamic = bool('dynamic') ?? (typeof argsObj.dynamic === 'boolean' ? argsObj.dynamic : undefined);
  out.half = bool('half') ?? (typeof argsObj.half === 'boolean' ? argsObj.half : undefined);
  if (out.end2end === undefined && argsObj.nms === true) out.end2end = true;
  for (const k of Object.keys(out) as Array<keyof ParsedMetadata>) if (out[k] === undefined) delete out[k];
  return out;
}
