/** Rotated-box operations, public for scripts and tests: Ultralytics' `batch_probiou` and rotated "fast NMS". */
import { PREDICT } from '../../defaults.js';
import { callNative } from '../../errors.js';
import { addon } from '../../native/binding.js';
import { finiteFloat32 } from '../../ops/nms.js';
import * as check from '../../util/validate.js';

function boxes(name: string, value: unknown): Float32Array {
  if (!(Array.isArray(value) || ArrayBuffer.isView(value))) check.fail(name, 'a Float32Array of 5 values (cx, cy, w, h, angle) per box', value);
  const arr = finiteFloat32(name, value);
  if (arr.length % 5) check.fail(name, 'a Float32Array of 5 values (cx, cy, w, h, angle) per box', value);
  return arr;
}

/**
 * `batch_probiou(a, b)`: probabilistic IoU of rotated boxes (1 minus the Hellinger distance between the Gaussians
 * of the boxes, covariance from w²/12, h²/12 and the angle), in float32 as Ultralytics computes it.
 *
 * @param a cx, cy, w, h, angle (radians) per box
 * @param b likewise
 * @returns a.length/5 x b.length/5 values, row-major
 * @example
 * ```ts
 * probiou(Float32Array.of(0, 0, 4, 2, 0), Float32Array.of(0, 0, 2, 4, Math.PI / 2)); // ≈ [1]
 * ```
 */
export function probiou(a: Float32Array | ArrayLike<number>, b: Float32Array | ArrayLike<number>): Float32Array {
  const x = boxes('probiou: a', a);
  const y = boxes('probiou: b', b);
  return callNative(() => addon().probiou(x, y));
}

/**
 * Ultralytics' rotated NMS (`TorchNMS.fast_nms` with `batch_probiou`): boxes by descending score (equal scores in
 * index order); a box is dropped when any higher-scored box — kept or itself dropped — has probiou >= `iou` with it.
 * No class offset is applied here.
 *
 * @returns the kept indices, best first
 * @example
 * ```ts
 * nmsRotated(Float32Array.of(0, 0, 4, 2, 0, 0.1, 0, 4, 2, 0), Float32Array.of(0.9, 0.8), 0.7); // Int32Array [0]
 * ```
 */
export function nmsRotated(rboxes: Float32Array | ArrayLike<number>, scores: Float32Array | ArrayLike<number>, iou: number = PREDICT.iou): Int32Array {
  const b = boxes('nmsRotated: boxes', rboxes);
  const s = finiteFloat32('nmsRotated: scores', scores, b.length / 5);
  check.number('nmsRotated: iou', iou, 0, 1);
  return callNative(() => addon().nmsRotated(b, s, iou));
}
