/**
 * Oriented-box accuracy as Ultralytics' `OBBValidator` computes it: detection's matching and AP with the
 * probabilistic IoU (`batch_probiou`) of rotated boxes in place of IoU. Label corners (x1 y1 … x4 y4, normalized;
 * DOTA's run slightly outside [0, 1] and are used as they are) become rotated boxes through the minimum-area
 * rectangle (`xyxyxyxy2xywhr`, cv2.minAreaRect).
 *
 * Ultralytics compares boxes in the letterboxed frame and trtjs in source pixels; probiou is unchanged by that
 * scaling and shift (up to its 1e-7 terms). Where Ultralytics differs from the official DOTA evaluation: DOTA uses
 * the polygon IoU of the quadrilaterals and VOC-style AP at IoU 0.5 only, on merged full-size images.
 */
import { callNative, TrtjsError } from '../errors.js';
import { addon } from '../native/binding.js';
import type { YoloLabels } from './dataset.js';
import { DetectionMetrics, type MetricsResult } from './metrics.js';

const f32 = Math.fround;

/**
 * The minimum-area rectangle around points (rotating calipers over the convex hull), as (cx, cy, w, h, angle) with
 * w along the angle's direction; any representation of the same rectangle has the same probiou.
 *
 * @param points x, y pairs
 */
export function minAreaRect(points: ArrayLike<number>): [number, number, number, number, number] {
  const pts: Array<[number, number]> = [];
  for (let i = 0; i + 1 < points.length; i += 2) pts.push([points[i], points[i + 1]]);
  // Monotone chain hull.
  const sorted = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: number[], a: number[], b: number[]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: Array<[number, number]>) => {
    const h: Array<[number, number]> = [];
    for (const p of list) {
      while (h.length >= 2 && cross(h[h.length - 2], h[h.length - 1], p) <= 0) h.pop();
      h.push(p);
    }
    return h.slice(0, -1);
  };
  const hull = sorted.length < 3 ? sorted : [...half(sorted), ...half([...sorted].reverse())];
  if (hull.length === 0) return [0, 0, 0, 0, 0];
  if (hull.length === 1) return [hull[0][0], hull[0][1], 0, 0, 0];
  let best: [number, number, number, number, number] | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const [ax, ay] = hull[i];
    const [bx, by] = hull[(i + 1) % hull.length];
    const len = Math.hypot(bx - ax, by - ay);
    if (len === 0) continue;
    const [ux, uy] = [(bx - ax) / len, (by - ay) / len];
    let [minU, maxU, minV, maxV] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [x, y] of hull) {
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea) {
      bestArea = area;
      const [cu, cv] = [(minU + maxU) / 2, (minV + maxV) / 2];
      best = [cu * ux - cv * uy, cu * uy + cv * ux, maxU - minU, maxV - minV, Math.atan2(uy, ux)];
    }
  }
  return best ?? [hull[0][0], hull[0][1], 0, 0, 0];
}

/** Label polygons (normalized) to rotated boxes in source pixels, float32. */
export function labelRboxes(labels: YoloLabels, sourceSize: [number, number]): Float32Array {
  const segments = labels.segments;
  if (!segments || segments.length !== labels.classes.length)
    throw new TrtjsError('ERR_BAD_INPUT', "obb val: labels must carry their corners (read the dataset with task 'obb')");
  const [w, h] = sourceSize;
  const out = new Float32Array(segments.length * 5);
  segments.forEach((s, i) => {
    const px = Float32Array.from(s, (v, k) => f32(v * (k % 2 ? h : w)));
    out.set(minAreaRect(px), i * 5);
  });
  return out;
}

/** One image's rotated predictions (source pixels). */
export interface ObbPrediction {
  /** cx, cy, w, h, angle per box. */
  xywhr: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

/** Accumulates probiou-matched statistics image by image and reduces them as detection does. */
export class ObbMetrics {
  readonly #metrics: DetectionMetrics;

  constructor(nc?: number) {
    this.#metrics = new DetectionMetrics(nc);
  }

  add(pred: ObbPrediction, labels: YoloLabels, sourceSize: [number, number]): void {
    const truth = labelRboxes(labels, sourceSize);
    const n = labels.classes.length;
    const m = pred.scores.length;
    const iou = n && m ? callNative(() => addon().probiou(truth, pred.xywhr)) : new Float32Array(0);
    this.#metrics.addMatched({ scores: pred.scores, classes: pred.classes }, labels.classes, iou);
  }

  result(): MetricsResult {
    return this.#metrics.result();
  }
}
