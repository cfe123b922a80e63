import { LIMITS, PREDICT } from '../defaults.js';
import { callNative } from '../errors.js';
import { addon } from '../native/binding.js';
import * as check from '../util/validate.js';

export interface NmsOptions {
  /** Suppress a box when its IoU with a kept box is greater than this. Default 0.7 (Ultralytics predict). */
  iou?: number;
  /** Class of each box: only boxes of the same class suppress each other. Omit for class-agnostic NMS. */
  classes?: Int32Array | ArrayLike<number>;
  /** Keep at most this many boxes. Default: no limit. */
  maxDet?: number;
  /** Drop boxes whose score is not above this first. Default: keep all. */
  scoreThreshold?: number;
  /**
   * Only the highest-scored boxes up to this many enter NMS, as Ultralytics' `max_nms` (default 30000): NMS is
   * quadratic in the worst case (disjoint boxes), and this bounds how long one call may hold the event loop.
   */
  maxNms?: number;
}

/** Float32 view of numbers, checked to be finite. */
export function finiteFloat32(name: string, value: unknown, length?: number): Float32Array {
  let arr: Float32Array;
  if (value instanceof Float32Array) arr = value;
  else if (Array.isArray(value) || ArrayBuffer.isView(value)) arr = Float32Array.from(value as ArrayLike<number>);
  else check.fail(name, 'a Float32Array or an array of numbers', value);
  if (length !== undefined && arr.length !== length) check.fail(name, `${length} values`, value);
  for (let i = 0; i < arr.length; i++) {
    if (!Number.isFinite(arr[i])) check.fail(`${name}[${i}]`, 'a finite number', arr[i]);
  }
  return arr;
}

/**
 * Greedy non-maximum suppression with torchvision's rule (`torchvision.ops.nms`, and `batched_nms` when
 * `classes` is given): boxes are visited by descending score (equal scores: lower index first) and a box is
 * suppressed when its IoU with a kept box is greater than `iou`. Synchronous: sub-millisecond for thousands of
 * boxes; at most `maxNms` boxes enter it.
 *
 * @param boxes x1, y1, x2, y2 per box (4·n values)
 * @param scores one per box
 * @returns indices of the kept boxes, highest score first
 *
 * @example
 * ```ts
 * const keep = nms(new Float32Array([0, 0, 10, 10, 1, 1, 11, 11]), new Float32Array([0.9, 0.8]), { iou: 0.5 });
 * // Int32Array [0]
 * ```
 */
export function nms(boxes: Float32Array | ArrayLike<number>, scores: Float32Array | ArrayLike<number>, options?: NmsOptions): Int32Array {
  const s = finiteFloat32('nms: scores', scores);
  const b = finiteFloat32('nms: boxes', boxes, s.length * 4);
  const o = check.options<NmsOptions>('nms: options', options);
  const iou = check.optional(o.iou, PREDICT.iou, (v) => check.number('nms: options.iou', v, 0, 1));
  const maxDet = check.optional(o.maxDet, 0, (v) => check.int32('nms: options.maxDet', v, 1));
  const maxNms = check.optional(o.maxNms, PREDICT.maxNms, (v) => check.int32('nms: options.maxNms', v, 1));
  const scoreThreshold = check.optional(o.scoreThreshold, -Infinity, (v) => check.number('nms: options.scoreThreshold', v));
  let classes: Int32Array | null = null;
  if (o.classes !== undefined) {
    if (!(Array.isArray(o.classes) || ArrayBuffer.isView(o.classes))) check.fail('nms: options.classes', 'an Int32Array or an array of integers', o.classes);
    if (o.classes.length !== s.length) check.fail('nms: options.classes', `${s.length} class ids (one per box)`, o.classes);
    classes = o.classes instanceof Int32Array ? o.classes : Int32Array.from(o.classes);
    for (let i = 0; i < classes.length; i++) {
      if (classes[i] !== (o.classes as ArrayLike<number>)[i] || classes[i] < 0) {
        check.fail(`nms: options.classes[${i}]`, `an integer in [0, ${LIMITS.int32}]`, (o.classes as ArrayLike<number>)[i]);
      }
    }
  }
  if (s.length === 0) return new Int32Array(0);
  if (s.length <= maxNms) return callNative(() => addon().nms(b, s, classes, iou, scoreThreshold, maxDet));
  // Keep the maxNms best (ties: lower index first, as the NMS orders them), then map the kept indices back.
  const order = Array.from(s.keys())
    .sort((x, y) => s[y] - s[x] || x - y)
    .slice(0, maxNms);
  const pick = <T extends Float32Array | Int32Array>(from: T, width: number): T => {
    const out = new (from.constructor as { new (n: number): T })(order.length * width);
    order.forEach((k, i) => {
      out.set(from.subarray(k * width, (k + 1) * width), i * width);
    });
    return out;
  };
  const kept = callNative(() => addon().nms(pick(b, 4), pick(s, 1), classes && pick(classes, 1), iou, scoreThreshold, maxDet));
  return kept.map((i) => order[i]);
}
