import type { ModelInfo } from '../model/model-info.js';
import { parsePythonLiteral } from '../model/python-literal.js';

/** Keys whose values are Python literals in ONNX metadata and typed JSON in an engine header. */
const LITERAL_KEYS = new Set(['names', 'imgsz', 'stride', 'batch', 'end2end', 'args', 'channels', 'kpt_shape', 'dynamic', 'half']);

/**
 * The JSON header Ultralytics writes in front of a plan (`export_engine`), from the ONNX metadata: literals
 * become JSON values (`names` keyed by id strings), everything else stays text; `dynamic` and `half` describe
 * this build.
 */
export function engineMetadata(
  info: ModelInfo,
  build: { dynamic: boolean; half: boolean; batch: number },
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info.metadata)) {
    if (!LITERAL_KEYS.has(key)) {
      out[key] = value;
      continue;
    }
    try {
      out[key] = parsePythonLiteral(value);
    } catch {
      out[key] = value;
    }
  }
  if (info.names) out.names = Object.fromEntries(info.names.map((n, i) => [String(i), n]));
  if (info.imgsz) out.imgsz = info.imgsz;
  if (info.stride) out.stride = info.stride;
  out.batch = build.batch;
  out.dynamic = build.dynamic;
  out.half = build.half;
  if (out.args && typeof out.args === 'object') Object.assign(out.args as object, { dynamic: build.dynamic, half: build.half, batch: build.batch });
  return { ...out, ...extra };
}
