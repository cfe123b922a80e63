/**
 * Detection accuracy exactly as Ultralytics' `DetectionValidator` computes it (ultralytics/models/yolo/detect/val.py,
 * engine/validator.py, utils/metrics.py):
 *
 * - `box_iou` in float32, as torch computes it, compared with the float32 thresholds of
 *   `torch.linspace(0.5, 0.95, 10)`;
 * - `match_predictions`: per threshold, each prediction keeps its best same-class label and each label keeps the
 *   first (highest-confidence) prediction that chose it;
 * - `ap_per_class` / `compute_ap`: per class with labels, the PR curve by descending confidence, AP by 101-point
 *   interpolation of the precision envelope (`np.interp`, `np.trapz`), P and R at the maximum of the smoothed
 *   mean F1 over a 1000-point confidence grid;
 * - `Metric.mean_results`: means over the classes that have labels.
 *
 * The arithmetic follows NumPy's order (interpolation formula, pairwise summation of `np.sum`/`np.mean`), so results
 * agree with Ultralytics' to the last bits. Two orders NumPy leaves unspecified are made deterministic here: equal
 * confidences keep the order images were added in (NumPy's `argsort` is not stable), and the smoothing's window sums
 * (a BLAS dot product in NumPy) are summed left to right; either can only matter for exact ties.
 */
import * as check from '../util/validate.js';

const f32 = Math.fround;

/**
 * The IoU thresholds 0.50:0.05:0.95 as float32 values, `torch.linspace(0.5, 0.95, 10)` in `DetectionValidator`. They
 * equal the float32 roundings of 0.5 + 0.05·i (checked against torch's linspace kernel, with and without FMA).
 *
 * @example
 * ```ts
 * IOU_THRESHOLDS[5]; // 0.75
 * ```
 */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(Array.from({ length: 10 }, (_, i) => f32(0.5 + 0.05 * i)));

const NIOU = IOU_THRESHOLDS.length;
/** `ap_per_class(eps=1e-16)`: guards recall and F1 divisions. */
const EPS = 1e-16;
/** `box_iou(eps=1e-7)`, as float32: torch adds a Python float to a float32 tensor in float32. */
const IOU_EPS = f32(1e-7);

/** Ground truth of one image. */
export interface GroundTruth {
  /** x1, y1, x2, y2 per box, in pixels of the original image. */
  boxes: Float32Array;
  classes: Int32Array;
}

/** Predictions for one image, as NMS returns them. */
export interface Prediction {
  /** x1, y1, x2, y2 per box, in pixels of the original image. */
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** How many of the rows are valid (buffers may be longer). Default: `scores.length`, and the lengths must agree. */
  count?: number;
}

/** Metrics of one class that has labels. */
export interface ClassMetrics {
  classId: number;
  /** Number of labelled boxes of this class. */
  labels: number;
  /** AP at IoU 0.5. */
  ap50: number;
  /** Mean AP over IoU 0.50:0.05:0.95. */
  ap5095: number;
  /** Precision at the confidence of maximum smoothed mean F1. */
  precision: number;
  /** Recall at the confidence of maximum smoothed mean F1. */
  recall: number;
}

export interface MetricsResult {
  /** Mean AP at IoU 0.5 over the classes with labels (Ultralytics' `metrics/mAP50(B)`). */
  map50: number;
  /** Mean AP over IoU 0.50:0.05:0.95 and the classes with labels (`metrics/mAP50-95(B)`). */
  map5095: number;
  /** Mean precision over the classes with labels (`metrics/precision(B)`). */
  precision: number;
  /** Mean recall over the classes with labels (`metrics/recall(B)`). */
  recall: number;
  /** The classes that have labels, by class id. */
  perClass: ClassMetrics[];
  /** Images added. */
  images: number;
  /** Labelled boxes over all images. */
  instances: number;
}

/**
 * Ultralytics' `box_iou(box1, box2)` with torch's float32 arithmetic: every intermediate is rounded to float32, and
 * the union is `area1 + area2 - inter + 1e-7`.
 *
 * @param boxes1 x1, y1, x2, y2 per box (n1 boxes)
 * @param boxes2 x1, y1, x2, y2 per box (n2 boxes)
 * @returns n1 × n2 IoUs, row-major (row = a box of `boxes1`)
 *
 * @example
 * ```ts
 * boxIou(new Float32Array([0, 0, 10, 10]), new Float32Array([0, 0, 10, 7.5])); // Float32Array [0.75]
 * ```
 */
export function boxIou(boxes1: Float32Array, boxes2: Float32Array): Float32Array {
  if (boxes1.length % 4 || boxes2.length % 4) check.fail('boxIou: boxes', '4 values (x1, y1, x2, y2) per box', boxes1.length % 4 ? boxes1 : boxes2);
  const n1 = boxes1.length / 4;
  const n2 = boxes2.length / 4;
  const out = new Float32Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    const ax1 = boxes1[i * 4],
      ay1 = boxes1[i * 4 + 1],
      ax2 = boxes1[i * 4 + 2],
      ay2 = boxes1[i * 4 + 3];
    const areaA = f32(f32(ax2 - ax1) * f32(ay2 - ay1));
    for (let j = 0; j < n2; j++) {
      const bx1 = boxes2[j * 4],
        by1 = boxes2[j * 4 + 1],
        bx2 = boxes2[j * 4 + 2],
        by2 = boxes2[j * 4 + 3];
      const w = Math.max(f32(Math.min(ax2, bx2) - Math.max(ax1, bx1)), 0);
      const h = Math.max(f32(Math.min(ay2, by2) - Math.max(ay1, by1)), 0);
      const inter = f32(w * h);
      const areaB = f32(f32(bx2 - bx1) * f32(by2 - by1));
      out[i * n2 + j] = inter / f32(f32(f32(areaA + areaB) - inter) + IOU_EPS);
    }
  }
  return out;
}

/**
 * `BaseValidator.match_predictions` (greedy, not scipy): which predictions are true positives at each IoU threshold.
 * For each threshold, the (label, prediction) pairs of the same class with IoU >= threshold are sorted by IoU,
 * descending, and `np.unique` keeps each prediction's best pair, then each label's pair with the lowest prediction
 * index. Predictions must be in NMS order (descending confidence), so the lowest index is the most confident.
 *
 * Ties: `argsort()[::-1]` reverses an ascending sort, so among equal IoUs the later pair (the higher label index) wins,
 * as with NumPy's sort of small arrays (stable insertion sort); NumPy leaves the order of ties unspecified beyond that.
 *
 * @param predClasses class of each prediction (n)
 * @param trueClasses class of each label (m)
 * @param iou m × n IoUs, row = label (`boxIou(labels, predictions)`)
 * @returns n × 10, row-major: 1 where the prediction is a true positive at `IOU_THRESHOLDS[t]`
 *
 * @example
 * ```ts
 * const iou = boxIou(labelBoxes, predBoxes);
 * const tp = matchPredictions(predClasses, labelClasses, iou); // tp[p * 10 + 0]: prediction p is correct at IoU 0.5
 * ```
 */
export function matchPredictions(predClasses: Int32Array, trueClasses: Int32Array, iou: Float32Array): Uint8Array {
  const np_ = predClasses.length;
  const nl = trueClasses.length;
  if (iou.length !== nl * np_) check.fail('matchPredictions: iou', `${nl} × ${np_} values (labels × predictions)`, iou);
  const correct = new Uint8Array(np_ * NIOU);
  const best = new Int32Array(np_);
  const claimed = new Int32Array(nl);
  for (let t = 0; t < NIOU; t++) {
    const threshold = IOU_THRESHOLDS[t];
    // Each prediction's best label: the first of its pairs in the IoU-descending order.
    for (let p = 0; p < np_; p++) {
      best[p] = -1;
      let bestIou = -Infinity;
      for (let l = 0; l < nl; l++) {
        // `iou * correct_class`: a label of another class has IoU 0, below every threshold.
        const v = trueClasses[l] === predClasses[p] ? iou[l * np_ + p] : 0;
        if (v >= threshold && v >= bestIou) {
          bestIou = v;
          best[p] = l;
        }
      }
    }
    // Each label goes to the lowest-index prediction whose best it is; the others are false positives here.
    claimed.fill(-1);
    for (let p = 0; p < np_; p++) {
      const l = best[p];
      if (l >= 0 && claimed[l] < 0) {
        claimed[l] = p;
        correct[p * NIOU + t] = 1;
      }
    }
  }
  return correct;
}

/** NumPy's pairwise summation (`np.add.reduce` over float64), so means agree with `np.mean` bit for bit. */
function pairwiseSum(get: (i: number) => number, start: number, n: number): number {
  if (n < 8) {
    let res = -0;
    for (let i = 0; i < n; i++) res += get(start + i);
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => get(start + k));
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += get(start + i + k);
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += get(start + i);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(get, start, n2) + pairwiseSum(get, start + n2, n - n2);
}

function npMean(values: ArrayLike<number>): number {
  return pairwiseSum((i) => values[i], 0, values.length) / values.length;
}

/** `np.linspace(0, 1, num)`: k · (1 / (num − 1)), the last point exactly 1. */
function linspace01(num: number): Float64Array {
  const step = 1 / (num - 1);
  const out = new Float64Array(num);
  for (let k = 0; k < num; k++) out[k] = k * step;
  out[num - 1] = 1;
  return out;
}

const X101 = linspace01(101);
const X1000 = linspace01(1000);

/**
 * `np.interp(x, xp, fp, left, right)` for a non-decreasing `xp`: NumPy's binary search finds the last j with
 * xp[j] <= x (so among repeated xp the last value wins), returns fp[j] on an exact hit or at the end, and otherwise
 * `slope * (x - xp[j]) + fp[j]`.
 */
function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, left: number, right: number): number {
  const n = xp.length;
  if (x > xp[n - 1]) return right;
  if (x < xp[0]) return left;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= xp[mid]) lo = mid + 1;
    else hi = mid;
  }
  const j = lo - 1;
  if (j === n - 1 || xp[j] === x) return fp[j];
  const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (x - xp[j]) + fp[j];
}

/**
 * Ultralytics' `compute_ap`: sentinels recall 0 / precision 1 in front and recall 1 / precision 0 behind, the
 * precision envelope (running maximum from the right), then the area under `np.interp` at 101 recall points
 * (0, 0.01, …, 1, COCO's) by the trapezoid rule. A perfect curve gives 0.995, not 1: at recall 1 the interpolation
 * returns the trailing sentinel's precision 0.
 *
 * @example
 * ```ts
 * computeAp([0, 1], [0, 0.5]); // 0.4975: envelope 0.5 from recall 0 to 1, then down to 0 over the last step
 * ```
 */
export function computeAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  if (recall.length !== precision.length) check.fail('computeAp: precision', `${recall.length} values, one per recall value`, precision);
  const n = recall.length + 2;
  const mrec = new Float64Array(n);
  const mpre = new Float64Array(n);
  mrec.set(recall, 1);
  mrec[n - 1] = 1;
  mpre.set(precision, 1);
  mpre[0] = 1;
  for (let i = n - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  const y = X101.map((x) => interp(x, mrec, mpre, mpre[0], mpre[n - 1]));
  // np.trapz(y, x): sum of diff(x) * (y[1:] + y[:-1]) / 2.0, pairwise-summed.
  const terms = new Float64Array(100);
  for (let k = 0; k < 100; k++) terms[k] = ((X101[k + 1] - X101[k]) * (y[k + 1] + y[k])) / 2;
  return pairwiseSum((i) => terms[i], 0, 100);
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ultralytics' `smooth(y, f)`: a box filter of odd width round(len·f·2)//2 + 1, the ends padded with the end values. */
function smooth(y: Float64Array, f: number): Float64Array {
  const nf = Math.floor(roundHalfEven(y.length * f * 2) / 2) + 1;
  const pad = Math.floor(nf / 2);
  const yp = new Float64Array(y.length + 2 * pad);
  yp.fill(y[0], 0, pad);
  yp.set(y, pad);
  yp.fill(y[y.length - 1], pad + y.length);
  const w = 1 / nf;
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let s = 0;
    for (let k = 0; k < nf; k++) s += yp[i + k] * w;
    out[i] = s;
  }
  return out;
}

/**
 * Accumulates predictions and labels image by image, as `DetectionValidator.update_metrics` does, then computes
 * the metrics as `ap_per_class` and `Metric.mean_results` do. Every image counts in `images`; its labels count even
 * when it has no predictions (all missed), and its predictions count even when it has no labels (all false
 * positives). When no prediction is a true positive at any threshold, Ultralytics skips the computation and reports
 * zeros, and so does this (the classes with labels are listed with zeros).
 *
 * @example
 * ```ts
 * const metrics = new DetectionMetrics(80);
 * for (const item of dataset) metrics.add(predictionsFor(item), groundTruthOf(item));
 * const { map5095, map50, precision, recall } = metrics.result();
 * ```
 */
export class DetectionMetrics {
  readonly #nc: number;
  /** Per prediction: confidence (float32), class, and the 10 threshold hits as bits. */
  #conf: number[] = [];
  #predCls: number[] = [];
  #tp: number[] = [];
  #targetCls: number[] = [];
  #images = 0;

  /**
   * @param nc number of classes; class ids must be in [0, nc). Omit to accept any id >= 0.
   */
  constructor(nc?: number) {
    this.#nc = check.optional(nc, Infinity, (v) => check.integer('DetectionMetrics: nc', v, 1));
  }

  /**
   * Adds one image: its predictions (any order; ranked by descending score, equal scores in the given order, as
   * NMS returns them) and its ground truth.
   */
  add(pred: Prediction, truth: GroundTruth): void {
    const p = check.object<Prediction>('DetectionMetrics.add: pred', pred);
    const g = check.object<GroundTruth>('DetectionMetrics.add: truth', truth);
    const scores = numbers('DetectionMetrics.add: pred.scores', p.scores);
    const boxes = numbers('DetectionMetrics.add: pred.boxes', p.boxes);
    const classes = numbers('DetectionMetrics.add: pred.classes', p.classes);
    let n: number;
    if (p.count === undefined) {
      n = scores.length;
      if (boxes.length !== n * 4) check.fail('DetectionMetrics.add: pred.boxes', `${n * 4} values (4 per score)`, boxes);
      if (classes.length !== n) check.fail('DetectionMetrics.add: pred.classes', `${n} values (1 per score)`, classes);
    } else {
      n = check.integer('DetectionMetrics.add: pred.count', p.count, 0, scores.length);
      if (boxes.length < n * 4) check.fail('DetectionMetrics.add: pred.boxes', `at least ${n * 4} values (4 per counted box)`, boxes);
      if (classes.length < n) check.fail('DetectionMetrics.add: pred.classes', `at least ${n} values (1 per counted box)`, classes);
    }
    const gtCls = numbers('DetectionMetrics.add: truth.classes', g.classes);
    const gtBoxes = numbers('DetectionMetrics.add: truth.boxes', g.boxes);
    const ng = gtCls.length;
    if (gtBoxes.length !== ng * 4) check.fail('DetectionMetrics.add: truth.boxes', `${ng * 4} values (4 per class id)`, gtBoxes);
    const gtBoxes32 = finite('DetectionMetrics.add: truth.boxes', gtBoxes, ng * 4);
    const gtCls32 = classIds('DetectionMetrics.add: truth.classes', gtCls, ng, this.#nc);
    const scores32 = finite('DetectionMetrics.add: pred.scores', scores, n);
    const boxes32 = finite('DetectionMetrics.add: pred.boxes', boxes, n * 4);
    const classes32 = classIds('DetectionMetrics.add: pred.classes', classes, n, this.#nc);

    this.#record(scores32, classes32, gtCls32, () => boxIou(gtBoxes32, boxes32));
  }

  /**
   * Adds one image whose label-to-prediction overlaps were computed elsewhere: mask IoU (segment), OKS (pose),
   * probabilistic IoU (obb). `iou` holds labels x predictions, row-major, predictions in the order given here (any
   * order; they are ranked by descending score, equal scores in the given order).
   *
   * @example
   * ```ts
   * metrics.addMatched({ scores, classes }, labelClasses, maskIou(labelMasks, predictedMasks));
   * ```
   */
  addMatched(pred: { scores: ArrayLike<number>; classes: ArrayLike<number> }, truthClasses: ArrayLike<number>, iou: Float32Array): void {
    const p = check.object<{ scores: unknown; classes: unknown }>('DetectionMetrics.addMatched: pred', pred);
    const scores = numbers('DetectionMetrics.addMatched: pred.scores', p.scores);
    const classes = numbers('DetectionMetrics.addMatched: pred.classes', p.classes);
    const gtCls = numbers('DetectionMetrics.addMatched: truthClasses', truthClasses);
    const n = scores.length;
    if (classes.length !== n) check.fail('DetectionMetrics.addMatched: pred.classes', `${n} values (1 per score)`, classes);
    if (!(iou instanceof Float32Array) || iou.length !== gtCls.length * n)
      check.fail('DetectionMetrics.addMatched: iou', `a Float32Array of ${gtCls.length} x ${n} values (labels x predictions)`, iou);
    const scores32 = finite('DetectionMetrics.addMatched: pred.scores', scores, n);
    const classes32 = classIds('DetectionMetrics.addMatched: pred.classes', classes, n, this.#nc);
    const gtCls32 = classIds('DetectionMetrics.addMatched: truthClasses', gtCls, gtCls.length, this.#nc);
    this.#record(scores32, classes32, gtCls32, () => iou);
  }

  /** Ranks one image's predictions, matches them with `overlaps()` (labels x predictions, given order) and stores. */
  #record(scores32: Float32Array, classes32: Int32Array, gtCls32: Int32Array, overlaps: () => Float32Array): void {
    const n = scores32.length;
    const ng = gtCls32.length;
    this.#images++;
    for (let i = 0; i < ng; i++) this.#targetCls.push(gtCls32[i]);
    if (n === 0) return;
    // NMS order: match_predictions gives a label to its lowest-index candidate, meant to be the most confident.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores32[b] - scores32[a] || a - b);
    const sortedCls = new Int32Array(n);
    order.forEach((src, dst) => {
      sortedCls[dst] = classes32[src];
    });
    let correct: Uint8Array;
    if (ng) {
      const iou = overlaps();
      const sortedIou = new Float32Array(ng * n);
      for (let l = 0; l < ng; l++)
        order.forEach((src, dst) => {
          sortedIou[l * n + dst] = iou[l * n + src];
        });
      correct = matchPredictions(sortedCls, gtCls32, sortedIou);
    } else {
      correct = new Uint8Array(n * NIOU);
    }
    for (let i = 0; i < n; i++) {
      let bits = 0;
      for (let t = 0; t < NIOU; t++) bits |= correct[i * NIOU + t] << t;
      this.#conf.push(scores32[order[i]]);
      this.#predCls.push(sortedCls[i]);
      this.#tp.push(bits);
    }
  }

  /** Whether any prediction so far is a true positive at some IoU threshold (else every metric is 0). */
  get hasTruePositives(): boolean {
    return this.#tp.some((bits) => bits !== 0);
  }

  /** The metrics over everything added so far (the accumulator is unchanged: add more and call again). */
  result(): MetricsResult {
    const counts = new Map<number, number>();
    for (const c of this.#targetCls) counts.set(c, (counts.get(c) ?? 0) + 1);
    const classes = [...counts.keys()].sort((a, b) => a - b);
    const base = { images: this.#images, instances: this.#targetCls.length };
    // get_stats: `if stats["tp"].any(): self.metrics.process(...)`; otherwise every metric stays 0.
    if (!this.#tp.some((bits) => bits !== 0)) {
      const perClass = classes.map((c) => ({ classId: c, labels: counts.get(c)!, ap50: 0, ap5095: 0, precision: 0, recall: 0 }));
      return { map50: 0, map5095: 0, precision: 0, recall: 0, perClass, ...base };
    }
    return { ...apPerClass(this.#conf, this.#predCls, this.#tp, classes, counts), ...base };
  }
}

/** `ap_per_class` and `Metric.mean_results` over the accumulated statistics. */
function apPerClass(
  confIn: number[],
  predClsIn: number[],
  tpIn: number[],
  classes: number[],
  counts: Map<number, number>,
): Omit<MetricsResult, 'images' | 'instances'> {
  // `np.argsort(-conf)`; equal confidences keep their order (see the module comment).
  const order = confIn.map((_, i) => i).sort((a, b) => confIn[b] - confIn[a] || a - b);
  const nc = classes.length;
  const ap = new Float64Array(nc * NIOU);
  const pCurve = new Float64Array(nc * 1000);
  const rCurve = new Float64Array(nc * 1000);
  classes.forEach((c, ci) => {
    const idx = order.filter((i) => predClsIn[i] === c);
    const nl = counts.get(c)!;
    if (!idx.length) return; // no predictions: AP, P and R stay 0
    const negConf = Float64Array.from(idx, (i) => -confIn[i]);
    const recall = new Float64Array(idx.length);
    const precision = new Float64Array(idx.length);
    for (let t = 0; t < NIOU; t++) {
      let tpc = 0;
      let fpc = 0;
      idx.forEach((i, k) => {
        if ((tpIn[i] >> t) & 1) tpc++;
        else fpc++;
        recall[k] = tpc / (nl + EPS);
        precision[k] = tpc / (tpc + fpc);
      });
      if (t === 0) {
        // P and R against confidence, at IoU 0.5: np.interp(-x, -conf, ..., left=0 for R, left=1 for P).
        const last = idx.length - 1;
        for (let k = 0; k < 1000; k++) {
          rCurve[ci * 1000 + k] = interp(-X1000[k], negConf, recall, 0, recall[last]);
          pCurve[ci * 1000 + k] = interp(-X1000[k], negConf, precision, 1, precision[last]);
        }
      }
      ap[ci * NIOU + t] = computeAp(recall, precision);
    }
  });
  // f1_curve.mean(0): classes added in order, then divided.
  const f1Mean = new Float64Array(1000);
  for (let ci = 0; ci < nc; ci++) {
    for (let k = 0; k < 1000; k++) {
      const p = pCurve[ci * 1000 + k];
      const r = rCurve[ci * 1000 + k];
      f1Mean[k] += (2 * p * r) / (p + r + EPS);
    }
  }
  for (let k = 0; k < 1000; k++) f1Mean[k] /= nc;
  const smoothed = smooth(f1Mean, 0.1);
  let best = 0;
  for (let k = 1; k < 1000; k++) if (smoothed[k] > smoothed[best]) best = k;

  const perClass: ClassMetrics[] = classes.map((c, ci) => ({
    classId: c,
    labels: counts.get(c)!,
    ap50: ap[ci * NIOU],
    ap5095: pairwiseSum((i) => ap[i], ci * NIOU, NIOU) / NIOU,
    precision: pCurve[ci * 1000 + best],
    recall: rCurve[ci * 1000 + best],
  }));
  return {
    map50: npMean(perClass.map((m) => m.ap50)),
    map5095: npMean(ap),
    precision: npMean(perClass.map((m) => m.precision)),
    recall: npMean(perClass.map((m) => m.recall)),
    perClass,
  };
}

function numbers(name: string, value: unknown): ArrayLike<number> {
  if (!(ArrayBuffer.isView(value) && !(value instanceof DataView)) && !Array.isArray(value)) check.fail(name, 'a typed array or an array of numbers', value);
  return value as ArrayLike<number>;
}

/** The first n values as float32, each checked to be finite. */
function finite(name: string, values: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) check.fail(`${name}[${i}]`, 'a finite number', values[i]);
    out[i] = values[i];
  }
  return out;
}

/** The first n values as class ids in [0, nc). */
function classIds(name: string, values: ArrayLike<number>, n: number, nc: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= nc || v > 0x7fffffff) {
      check.fail(`${name}[${i}]`, nc === Infinity ? 'a class id >= 0' : `a class id in [0, ${nc - 1}]`, v);
    }
    out[i] = v;
  }
  return out;
}
