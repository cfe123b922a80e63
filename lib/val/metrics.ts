/**
 * Detection accuracy exactly as Ultralytics computes it in `DetectionValidator`: predictions matched to labels
 * at IoU 0.50:0.05:0.95 (`match_predictions`), per-class AP by 101-point interpolation integrated with the
 * trapezoid rule (`compute_ap`), precision and recall at the confidence that maximises the smoothed mean F1
 * (`ap_per_class`). mAP means are over the classes that have labels.
 */
import * as check from '../util/validate.js';

export interface GroundTruth {
  /** x1, y1, x2, y2 in pixels. */
  boxes: Float32Array;
  classes: Int32Array;
}

export interface Prediction {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

export interface ClassMetrics {
  classId: number;
  labels: number;
  precision: number;
  recall: number;
  ap50: number;
  ap5095: number;
}

export interface MetricsResult {
  precision: number;
  recall: number;
  map50: number;
  map5095: number;
  images: number;
  instances: number;
  perClass: ClassMetrics[];
}

const IOU_THRESHOLDS = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);
const EPS = 1e-16;

/** box_iou with Ultralytics' eps: [gt, pred]. */
function boxIou(gt: Float32Array, ng: number, pred: Float32Array, np_: number): Float64Array {
  const out = new Float64Array(ng * np_);
  for (let g = 0; g < ng; g++) {
    const [a1, b1, a2, b2] = [gt[g * 4], gt[g * 4 + 1], gt[g * 4 + 2], gt[g * 4 + 3]];
    for (let p = 0; p < np_; p++) {
      const [c1, d1, c2, d2] = [pred[p * 4], pred[p * 4 + 1], pred[p * 4 + 2], pred[p * 4 + 3]];
      const inter = Math.max(0, Math.min(a2, c2) - Math.max(a1, c1)) * Math.max(0, Math.min(b2, d2) - Math.max(b1, d1));
      out[g * np_ + p] = inter / ((a2 - a1) * (b2 - b1) + (c2 - c1) * (d2 - d1) - inter + 1e-7);
    }
  }
  return out;
}

/**
 * match_predictions: for each threshold, candidate (gt, pred) pairs of the same class with IoU >= t, sorted by
 * IoU; each prediction keeps its best pair, then each label keeps the pair of its lowest prediction index
 * (np.unique on the prediction-sorted pairs), as Ultralytics does.
 */
export function matchPredictions(pred: Prediction, count: number, truth: GroundTruth): boolean[][] {
  const ng = truth.classes.length;
  const correct = Array.from({ length: count }, () => new Array<boolean>(IOU_THRESHOLDS.length).fill(false));
  if (!ng || !count) return correct;
  const iou = boxIou(truth.boxes, ng, pred.boxes, count);
  for (let g = 0; g < ng; g++) for (let p = 0; p < count; p++) if (truth.classes[g] !== pred.classes[p]) iou[g * count + p] = 0;
  IOU_THRESHOLDS.forEach((t, ti) => {
    const pairs: Array<[number, number, number]> = [];
    for (let g = 0; g < ng; g++) for (let p = 0; p < count; p++) if (iou[g * count + p] >= t) pairs.push([g, p, iou[g * count + p]]);
    if (!pairs.length) return;
    pairs.sort((a, b) => b[2] - a[2]);
    const bestPerPred = new Map<number, [number, number, number]>();
    for (const m of pairs) if (!bestPerPred.has(m[1])) bestPerPred.set(m[1], m);
    const byPred = [...bestPerPred.values()].sort((a, b) => a[1] - b[1]);
    const perGt = new Map<number, [number, number, number]>();
    for (const m of byPred) if (!perGt.has(m[0])) perGt.set(m[0], m);
    for (const m of perGt.values()) correct[m[1]][ti] = true;
  });
  return correct;
}

/** np.interp for increasing xp. */
function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, left = fp[0], right = fp[fp.length - 1]): number {
  const n = xp.length;
  if (x < xp[0]) return left;
  if (x > xp[n - 1]) return right;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xp[hi] === x) return fp[hi];
  if (xp[lo] === xp[hi]) return fp[lo];
  return fp[lo] + ((x - xp[lo]) * (fp[hi] - fp[lo])) / (xp[hi] - xp[lo]);
}

/** compute_ap: precision envelope, 101-point interpolation, trapezoid integration. */
export function computeAp(recall: number[], precision: number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [1, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  let prev = interp(0, mrec, mpre);
  for (let k = 1; k <= 100; k++) {
    const y = interp(k / 100, mrec, mpre);
    ap += ((y + prev) / 2) * 0.01;
    prev = y;
  }
  return ap;
}

function smooth(y: number[], f: number): number[] {
  const nf = Math.floor(Math.round(y.length * f * 2) / 2) + 1;
  const pad = Math.floor(nf / 2);
  const yp = [...new Array(pad).fill(y[0]), ...y, ...new Array(pad).fill(y[y.length - 1])];
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < nf; i++) sum += yp[i];
  out.push(sum / nf);
  for (let i = nf; i < yp.length; i++) {
    sum += yp[i] - yp[i - nf];
    out.push(sum / nf);
  }
  return out;
}

/**
 * Accumulates predictions and labels image by image, then computes the metrics.
 *
 * @example
 * ```ts
 * const m = new DetectionMetrics();
 * m.add(prediction, groundTruth); // per image
 * const { map5095, map50 } = m.result();
 * ```
 */
export class DetectionMetrics {
  #conf: number[] = [];
  #predCls: number[] = [];
  #tp: boolean[][] = [];
  #targetCls: number[] = [];
  #images = 0;

  add(pred: Prediction, truth: GroundTruth): void {
    check.object('DetectionMetrics.add: pred', pred);
    check.object('DetectionMetrics.add: truth', truth);
    const count = pred.scores.length;
    if (pred.boxes.length < count * 4 || pred.classes.length < count) check.fail('DetectionMetrics.add: pred', 'boxes, scores and classes of one length', pred);
    if (truth.boxes.length !== truth.classes.length * 4) check.fail('DetectionMetrics.add: truth', '4 box values per class id', truth);
    this.#images++;
    this.#targetCls.push(...truth.classes);
    if (!count) return;
    const correct = matchPredictions(pred, count, truth);
    for (let i = 0; i < count; i++) {
      this.#conf.push(pred.scores[i]);
      this.#predCls.push(pred.classes[i]);
      this.#tp.push(correct[i]);
    }
  }

  result(): MetricsResult {
    const order = this.#conf.map((_, i) => i).sort((a, b) => this.#conf[b] - this.#conf[a] || a - b);
    const conf = order.map((i) => this.#conf[i]);
    const predCls = order.map((i) => this.#predCls[i]);
    const tp = order.map((i) => this.#tp[i]);
    const counts = new Map<number, number>();
    for (const c of this.#targetCls) counts.set(c, (counts.get(c) ?? 0) + 1);
    const classes = [...counts.keys()].sort((a, b) => a - b);
    const grid = Array.from({ length: 1000 }, (_, i) => i / 999);
    const pCurves: number[][] = [];
    const rCurves: number[][] = [];
    const aps: number[][] = [];
    for (const c of classes) {
      const nl = counts.get(c)!;
      const idx = predCls.map((pc, i) => (pc === c ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) {
        pCurves.push(new Array(1000).fill(0));
        rCurves.push(new Array(1000).fill(0));
        aps.push(new Array(IOU_THRESHOLDS.length).fill(0));
        continue;
      }
      const negConf = idx.map((i) => -conf[i]);
      const apRow: number[] = [];
      let r0: number[] = [];
      let p0: number[] = [];
      for (let t = 0; t < IOU_THRESHOLDS.length; t++) {
        let tpc = 0;
        let fpc = 0;
        const recall: number[] = [];
        const precision: number[] = [];
        for (const i of idx) {
          if (tp[i][t]) tpc++;
          else fpc++;
          recall.push(tpc / (nl + EPS));
          precision.push(tpc / (tpc + fpc));
        }
        if (t === 0) {
          r0 = recall;
          p0 = precision;
        }
        apRow.push(computeAp(recall, precision));
      }
      rCurves.push(grid.map((x) => interp(-x, negConf, r0, 0)));
      pCurves.push(grid.map((x) => interp(-x, negConf, p0, 1)));
      aps.push(apRow);
    }
    const nc = classes.length;
    let best = 0;
    if (nc) {
      const f1Mean = grid.map((_, g) => {
        let s = 0;
        for (let k = 0; k < nc; k++) s += (2 * pCurves[k][g] * rCurves[k][g]) / (pCurves[k][g] + rCurves[k][g] + EPS);
        return s / nc;
      });
      const sm = smooth(f1Mean, 0.1);
      best = sm.indexOf(Math.max(...sm));
    }
    const perClass = classes.map((c, k) => ({
      classId: c,
      labels: counts.get(c)!,
      precision: pCurves[k][best],
      recall: rCurves[k][best],
      ap50: aps[k][0],
      ap5095: aps[k].reduce((a, b) => a + b, 0) / aps[k].length,
    }));
    const mean = (f: (m: ClassMetrics) => number) => (nc ? perClass.reduce((a, m) => a + f(m), 0) / nc : 0);
    return {
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      map50: mean((m) => m.ap50),
      map5095: mean((m) => m.ap5095),
      images: this.#images,
      instances: this.#targetCls.length,
      perClass,
    };
  }
}
