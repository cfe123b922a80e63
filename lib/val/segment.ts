/**
 * Segmentation accuracy as Ultralytics' `SegmentationValidator` computes it: box mAP as for detection, and mask mAP
 * from mask IoU (`mask_iou`) at prototype resolution (1/4 of the model input, `mask_ratio` 4) between
 *
 * - predicted masks from `process_mask(..., upsample=False)`: coefficients x prototypes, cropped to the box, logit > 0;
 * - ground-truth masks as the dataset builds them: polygons resampled to 1000 points (`resample_segments`), placed in
 *   the letterboxed frame, truncated to int32 and filled with cv2.fillPoly at the input size, cv2.resize'd to 1/4,
 *   and, with `overlap_mask` (the default), sorted by decreasing area with each pixel given to the smallest mask over
 *   it (labels reordered the same way).
 *
 * Where this differs from Ultralytics: images are letterboxed once as predict does (Ultralytics' val loader resizes
 * the long side with ceil first, then letterboxes without upscaling), which can move the frame by a pixel. Where
 * Ultralytics differs from pycocotools (`save_json` + COCOeval): pycocotools matches masks at the source resolution
 * (RLE), per category with crowd regions ignored, area ranges and 100 detections per image; Ultralytics matches at
 * 1/4 input resolution, greedily by IoU, and integrates the precision envelope the same 101-point way.
 */
import { callNative, TrtjsError } from '../errors.js';
import { addon } from '../native/binding.js';
import { PER_TASK } from '../defaults.js';
import { fromInstanceMasks, toInstanceMasks, type MaskSet } from '../tasks/segment/masks.js';
import type { LetterboxFrame } from '../tasks/types.js';
import * as check from '../util/validate.js';
import type { YoloLabels } from './dataset.js';
import { DetectionMetrics, type MetricsResult } from './metrics.js';

const f32 = Math.fround;

/**
 * `resample_segments(segments, n)`: each closed polygon (its first point appended) linearly resampled to n points,
 * keeping the original vertices (np.linspace, np.insert at np.searchsorted, np.interp in float64, then float32).
 * A polygon of exactly n points is left as is; one of more than n points is resampled to n without keeping them.
 */
export function resampleSegment(segment: Float32Array, n = 1000): Float32Array {
  const len = segment.length / 2;
  if (len === n) return segment;
  const L = len + 1;
  const xs = [...Array.from(segment), segment[0], segment[1]];
  const num = len < n ? n - L : n;
  const step = num > 1 ? (L - 1) / (num - 1) : 0;
  let x = Array.from({ length: num }, (_, i) => i * step);
  if (num > 1) x[num - 1] = L - 1; // np.linspace ends exactly at stop
  if (len < n) {
    // np.insert(x, np.searchsorted(x, xp), xp): each integer before the first x >= it.
    const merged: number[] = [];
    let j = 0;
    for (let p = 0; p < L; p++) {
      while (j < x.length && x[j] < p) merged.push(x[j++]);
      merged.push(p);
    }
    while (j < x.length) merged.push(x[j++]);
    x = merged;
  }
  const out = new Float32Array(x.length * 2);
  x.forEach((v, i) => {
    const k = Math.min(Math.floor(v), L - 1);
    for (let c = 0; c < 2; c++) {
      const a = xs[k * 2 + c];
      out[i * 2 + c] = k >= L - 1 || v === k ? a : (xs[(k + 1) * 2 + c] - a) * (v - k) + a;
    }
  });
  return out;
}

/**
 * Ground-truth masks of one image as the segment validator builds them (see the module comment), at 1/`maskRatio`
 * of the letterboxed input; `order` lists the label index of each mask (by decreasing area with overlap).
 */
export function groundTruthMasks(
  labels: YoloLabels,
  frame: LetterboxFrame,
  maskRatio: number = PER_TASK.maskRatio,
  overlap: boolean = PER_TASK.overlapMask,
): { masks: MaskSet; order: number[] } {
  const segments = labels.segments ?? [];
  if (segments.length !== labels.classes.length)
    throw new TrtjsError('ERR_BAD_INPUT', `segment val: ${labels.classes.length} labels but ${segments.length} polygons`);
  const [w, h] = frame.inputSize;
  const [rw, rh] = frame.resized;
  const [px, py] = frame.pad;
  // update_labels_info: resample to 1000 points, or to the longest polygon + 1 when one is longer.
  const n = Math.max(1000, ...segments.map((s) => (s.length / 2 > 1000 ? s.length / 2 + 1 : 0)));
  const placed = segments.map((s) => {
    const r = resampleSegment(s, n);
    // denormalize to the resized picture, then the letterbox padding, in float32.
    for (let k = 0; k < r.length; k += 2) {
      r[k] = f32(f32(r[k] * rw) + px);
      r[k + 1] = f32(f32(r[k + 1] * rh) + py);
    }
    return r;
  });
  const coords = new Float32Array(placed.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of placed) {
    coords.set(p, o);
    o += p.length;
  }
  const m = callNative(() =>
    addon().polygonMasks(
      coords,
      Int32Array.from(placed, (p) => p.length / 2),
      { width: w, height: h, downsample: maskRatio, overlap },
    ),
  );
  return { masks: toInstanceMasks(m), order: Array.from(m.order) };
}

/** mask_iou of two mask sets in the same frame: a.length x b.length values. */
export function maskIou(a: MaskSet, b: MaskSet): Float32Array {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) check.fail('maskIou: b', `masks in a ${a.size[0]}x${a.size[1]} frame`, b.size);
  const x = fromInstanceMasks(a.masks);
  const y = fromInstanceMasks(b.masks);
  return callNative(() => addon().maskIou(x.windows, x.data, y.windows, y.data, a.size[0], a.size[1]));
}

/** One image's segmentation predictions for validation. */
export interface SegmentPrediction {
  /** x1, y1, x2, y2 per detection in source pixels (box metrics). */
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** Per detection, its mask at prototype resolution of the letterboxed frame (`process_mask`, no upsampling). */
  masks: MaskSet;
}

export interface SegmentMetricsResult {
  box: MetricsResult;
  masks: MetricsResult;
}

/** Accumulates box and mask statistics image by image (SegmentationValidator.update_metrics) and reduces them. */
export class SegmentMetrics {
  readonly #box: DetectionMetrics;
  readonly #mask: DetectionMetrics;
  readonly #maskRatio: number;
  readonly #overlap: boolean;

  constructor(nc?: number, options: { maskRatio?: number; overlap?: boolean } = {}) {
    this.#box = new DetectionMetrics(nc);
    this.#mask = new DetectionMetrics(nc);
    this.#maskRatio = check.optional(options.maskRatio, PER_TASK.maskRatio, (v) => check.integer('SegmentMetrics: options.maskRatio', v, 1, 64));
    this.#overlap = check.optional(options.overlap, PER_TASK.overlapMask, (v) => check.boolean('SegmentMetrics: options.overlap', v));
  }

  /**
   * Adds one image: its predictions and labels (with polygons), `frame` the letterbox it went through and
   * `truthBoxes` the labels' boxes in source pixels (toPixelBoxes).
   */
  add(pred: SegmentPrediction, labels: YoloLabels, truthBoxes: Float32Array, frame: LetterboxFrame): void {
    const gt = groundTruthMasks(labels, frame, this.#maskRatio, this.#overlap);
    if (pred.masks.masks.length !== pred.scores.length) check.fail('SegmentMetrics.add: pred.masks', `${pred.scores.length} masks`, pred.masks.masks.length);
    if (pred.scores.length && (gt.masks.size[0] !== pred.masks.size[0] || gt.masks.size[1] !== pred.masks.size[1])) {
      throw new TrtjsError(
        'ERR_VALIDATION',
        `segment val: predicted masks are ${pred.masks.size.join('x')} but 1/${this.#maskRatio} of the input is ${gt.masks.size.join('x')}; prototypes must be a quarter of the input`,
      );
    }
    // The validator reorders the labels as the overlap masks were built (by decreasing area).
    const classes = Int32Array.from(gt.order, (i) => labels.classes[i]);
    const boxes = new Float32Array(gt.order.length * 4);
    gt.order.forEach((i, k) => {
      boxes.set(truthBoxes.subarray(i * 4, i * 4 + 4), k * 4);
    });
    this.#box.add({ boxes: pred.boxes, scores: pred.scores, classes: pred.classes }, { boxes, classes });
    const iou = classes.length && pred.scores.length ? maskIou(gt.masks, pred.masks) : new Float32Array(0);
    this.#mask.addMatched({ scores: pred.scores, classes: pred.classes }, classes, iou);
  }

  /** Box and mask metrics. As `get_stats` does, both are zero when no box prediction is a true positive. */
  result(): SegmentMetricsResult {
    const box = this.#box.result();
    const masks = this.#mask.result();
    if (!this.#box.hasTruePositives) {
      return {
        box,
        masks: {
          ...masks,
          map50: 0,
          map5095: 0,
          precision: 0,
          recall: 0,
          perClass: masks.perClass.map((c) => ({ ...c, ap50: 0, ap5095: 0, precision: 0, recall: 0 })),
        },
      };
    }
    return { box, masks };
  }
}
