import { describe, expect, it } from 'vitest';

import {
  DetectionMetrics,
  IOU_THRESHOLDS,
  boxIou,
  computeAp,
  matchPredictions,
  type GroundTruth,
  type MetricsResult,
  type Prediction,
} from '../../lib/val/metrics.js';
import { expectThrows } from '../helpers/expect-error.js';
import { rng } from '../helpers/random.js';

const f32 = (a: number[]) => Float32Array.from(a);
const i32 = (a: number[]) => Int32Array.from(a);
const pred = (boxes: number[], scores: number[], classes: number[]): Prediction => ({ boxes: f32(boxes), scores: f32(scores), classes: i32(classes) });
const truth = (boxes: number[], classes: number[]): GroundTruth => ({ boxes: f32(boxes), classes: i32(classes) });
const none = () => pred([], [], []);

/** Thresholds hit by each prediction, as lists of threshold indices. */
function hits(tp: Uint8Array): number[][] {
  const out: number[][] = [];
  for (let p = 0; p < tp.length / 10; p++) out.push([...tp.subarray(p * 10, p * 10 + 10)].flatMap((v, t) => (v ? [t] : [])));
  return out;
}

describe('IoU thresholds and box_iou (float32, as torch)', () => {
  it('thresholds are the float32 values of torch.linspace(0.5, 0.95, 10)', () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[5]).toBe(0.75);
    expect(IOU_THRESHOLDS[1]).toBe(Math.fround(0.55));
    expect(IOU_THRESHOLDS[9]).toBe(Math.fround(0.95));
  });

  it('computes every step in float32: the 1e-7 eps vanishes next to an area of 100', () => {
    expect(Array.from(boxIou(f32([0, 0, 10, 10]), f32([0, 0, 10, 7.5, 0, 0, 10, 10, 20, 20, 30, 30])))).toEqual([0.75, 1, 0]);
    // Zero-area boxes give 0, not NaN: the eps keeps the division finite.
    expect(Array.from(boxIou(f32([5, 5, 5, 5]), f32([5, 5, 5, 5])))).toEqual([0]);
    // 7200 / 10000 rounded to float32.
    expect(boxIou(f32([0, 0, 100, 100]), f32([0, 0, 100, 72]))[0]).toBe(Math.fround(0.72));
    expect(boxIou(f32([0, 0, 10, 10, 0, 0, 20, 20]), f32([0, 0, 10, 10])).length).toBe(2);
  });
});

describe('match_predictions (greedy, unique pairs)', () => {
  it('a label goes to the lowest-index prediction whose best label it is, at each threshold', () => {
    // Prediction 0 (more confident) overlaps the label at IoU 0.6, prediction 1 at IoU 0.9.
    const labels = f32([0, 0, 100, 100]);
    const iou = boxIou(labels, f32([0, 0, 100, 60, 0, 0, 100, 90]));
    const tp = matchPredictions(i32([0, 0]), i32([0]), iou);
    // Up to 0.60 prediction 0 takes the label; from 0.65 only prediction 1 qualifies, up to 0.90.
    expect(hits(tp)).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6, 7, 8],
    ]);
  });

  it('a prediction takes its best label and leaves the other label to the next prediction', () => {
    // Labels A [0,0,100,100] and B [50,0,150,100]; prediction 0 overlaps B most, prediction 1 overlaps A.
    const labels = f32([0, 0, 100, 100, 50, 0, 150, 100]);
    const preds = f32([40, 0, 140, 100, 0, 0, 95, 100]);
    const tp = matchPredictions(i32([0, 0]), i32([0, 0]), boxIou(labels, preds));
    // Prediction 0: B at IoU 90/110 = 0.818, so 0.50..0.80. Prediction 1: A at IoU 0.95, which in float32 equals the
    // last threshold, so all ten.
    expect(hits(tp)).toEqual([
      [0, 1, 2, 3, 4, 5, 6],
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    ]);
  });

  it('equal IoU with two labels: the later label wins, as argsort()[::-1] orders ties', () => {
    // Prediction 0 overlaps labels 0 and 1 equally; prediction 1 overlaps only label 1.
    const iou = f32([0.6, 0, 0.6, 0.55]); // rows: labels, columns: predictions
    const tp = matchPredictions(i32([0, 0]), i32([0, 0]), iou);
    // Prediction 0 takes label 1, so label 0 is never claimed and prediction 1 (also after label 1) loses.
    expect(hits(tp)).toEqual([[0, 1, 2], []]);
  });

  it('only the same class matches', () => {
    const tp = matchPredictions(i32([1, 0]), i32([0]), f32([1, 1]));
    expect(hits(tp)).toEqual([[], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });
});

describe('compute_ap (101-point interpolation)', () => {
  it('is 0.995 for a perfect curve: np.interp at recall 1 returns the trailing sentinel 0', () => {
    expect(computeAp([0.5, 1], [1, 1])).toBeCloseTo(0.995, 14);
  });

  it('a false positive ranked first: envelope 0.5 everywhere, 0.4975', () => {
    expect(computeAp([0, 1], [0, 0.5])).toBeCloseTo(0.4975, 14);
  });

  it('recall 1/2 at precision 1: 1 up to 0.5, then linear to 0 at 1 (exact for the trapezoid rule): 0.75', () => {
    expect(computeAp([0.5], [1])).toBeCloseTo(0.75, 14);
  });

  it('TP, FP, TP over 3 labels: derived by hand at the 101 points, 0.6672 (the continuous area would be 0.5556)', () => {
    // mrec [0, 1/3, 1/3, 2/3, 1], envelope [1, 1, 2/3, 2/3, 0]. On the grid: 1 up to 0.33, 2/3 from 0.34 to 0.66,
    // 2(1 - x) from 0.67. Trapezoids: 0.33 + 0.01·(1 + 2/3)/2 + 0.32·2/3 + 0.01·(2/3 + 0.66)/2 + 0.33²
    // = 0.33 + 0.0083333 + 0.2133333 + 0.0066333 + 0.1089 = 0.6672.
    expect(computeAp([1 / 3, 1 / 3, 2 / 3], [1, 0.5, 2 / 3])).toBeCloseTo(0.6672, 12);
  });
});

describe('DetectionMetrics (DetectionValidator + ap_per_class)', () => {
  it('single class, perfect predictions: P = R = 1, AP 0.995 (the 101-point ceiling) at every threshold', () => {
    const m = new DetectionMetrics(1);
    m.add(pred([0, 0, 10, 10, 20, 20, 40, 40], [0.9, 0.8], [0, 0]), truth([0, 0, 10, 10, 20, 20, 40, 40], [0, 0]));
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.995, 12);
    expect(r.map5095).toBeCloseTo(0.995, 12);
    expect(r.precision).toBe(1);
    expect(r.recall).toBe(1);
    expect(r.perClass).toEqual([{ classId: 0, labels: 2, ap50: r.map50, ap5095: r.map5095, precision: 1, recall: 1 }]);
    expect([r.images, r.instances]).toEqual([1, 2]);
  });

  it('one false positive ranked above the true positive: AP 0.4975, P 0.5 and R 1 at the best F1', () => {
    const m = new DetectionMetrics(1);
    m.add(pred([50, 50, 60, 60, 0, 0, 10, 10], [0.9, 0.8], [0, 0]), truth([0, 0, 10, 10], [0]));
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.4975, 12);
    // F1 is 2/3 for every confidence up to 0.8 (P 0.5, R 1) and falls to 0 by 0.9: the smoothed maximum is at 0.
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(1);
  });

  it('the order predictions are given in does not matter: they are ranked by score as NMS returns them', () => {
    const a = new DetectionMetrics(1);
    a.add(pred([0, 0, 10, 10, 50, 50, 60, 60], [0.8, 0.9], [0, 0]), truth([0, 0, 10, 10], [0]));
    expect(a.result().map50).toBeCloseTo(0.4975, 12);
  });

  it('a box between thresholds counts for some only: IoU 0.72 hits 0.50..0.70 (5 of 10)', () => {
    const m = new DetectionMetrics(1);
    m.add(pred([0, 0, 100, 72], [0.9], [0]), truth([0, 0, 100, 100], [0]));
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.995, 12);
    expect(r.map5095).toBeCloseTo(0.995 / 2, 12);
  });

  it('an IoU exactly at a threshold counts there: 0.75 in float32 hits 0.50..0.75 (6 of 10)', () => {
    const m = new DetectionMetrics(1);
    m.add(pred([0, 0, 10, 7.5], [0.9], [0]), truth([0, 0, 10, 10], [0]));
    expect(m.result().map5095).toBeCloseTo(0.995 * 0.6, 12);
  });

  it('a class mismatch is no match, and classes without labels are left out entirely', () => {
    const m = new DetectionMetrics(3);
    m.add(pred([0, 0, 10, 10], [0.9], [1]), truth([0, 0, 10, 10], [0]));
    let r = m.result();
    expect([r.map50, r.map5095, r.precision, r.recall]).toEqual([0, 0, 0, 0]);
    expect(r.perClass).toEqual([{ classId: 0, labels: 1, ap50: 0, ap5095: 0, precision: 0, recall: 0 }]);
    // Once class 0 is found, the more confident class-1 box still costs it nothing: class 1 has no labels.
    m.add(pred([0, 0, 10, 10], [0.5], [0]), truth([0, 0, 10, 10], [0]));
    r = m.result();
    expect(r.perClass.map((c) => c.classId)).toEqual([0]);
    expect(r.map50).toBeCloseTo(0.75, 12); // 1 of 2 labels found, at precision 1
  });

  it('predictions on an image without labels are false positives', () => {
    const m = new DetectionMetrics(1);
    m.add(pred([0, 0, 10, 10], [0.8], [0]), truth([0, 0, 10, 10], [0]));
    m.add(pred([0, 0, 10, 10], [0.9], [0]), truth([], []));
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.4975, 12);
    expect([r.images, r.instances]).toEqual([2, 1]);
  });

  it('labels of an image without predictions are misses; an empty image only counts in images', () => {
    const m = new DetectionMetrics(1);
    m.add(pred([0, 0, 10, 10], [0.8], [0]), truth([0, 0, 10, 10], [0]));
    m.add(none(), truth([0, 0, 10, 10], [0]));
    m.add(none(), truth([], []));
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.75, 12);
    expect(r.recall).toBe(0.5);
    expect([r.images, r.instances]).toEqual([3, 2]);
  });

  it('no predictions at all (or no true positive) gives 0 everywhere, as Ultralytics skips ap_per_class', () => {
    const m = new DetectionMetrics(4);
    m.add(none(), truth([0, 0, 5, 5, 1, 1, 9, 9], [3, 1]));
    m.add(pred([0, 0, 5, 5], [0.5], [3]), truth([], []));
    const r = m.result();
    expect(r).toEqual<MetricsResult>({
      map50: 0,
      map5095: 0,
      precision: 0,
      recall: 0,
      images: 2,
      instances: 2,
      perClass: [1, 3].map((classId) => ({ classId, labels: 1, ap50: 0, ap5095: 0, precision: 0, recall: 0 })),
    });
    expect(new DetectionMetrics(1).result()).toEqual({ map50: 0, map5095: 0, precision: 0, recall: 0, images: 0, instances: 0, perClass: [] });
  });

  it('count limits the rows read from longer buffers; result() can be called again after more adds', () => {
    const m = new DetectionMetrics(1);
    m.add({ ...pred([0, 0, 10, 10, 50, 50, 60, 60], [0.8, 0.99], [0, 0]), count: 1 }, truth([0, 0, 10, 10], [0]));
    expect(m.result().map50).toBeCloseTo(0.995, 12);
    m.add(pred([0, 0, 10, 10], [0.9], [0]), truth([], []));
    expect(m.result().map50).toBeCloseTo(0.4975, 12);
  });

  it('matches NumPy bit for bit on a mixed case (values from a NumPy transcription of ap_per_class)', () => {
    const m = new DetectionMetrics(3);
    m.add(
      pred([12, 8, 108, 205, 198, 55, 255, 125, 305, 290, 410, 385, 0, 0, 50, 50, 295, 305, 390, 370], [0.91, 0.62, 0.77, 0.55, 0.4], [0, 0, 1, 0, 1]),
      truth([10, 10, 110, 210, 200, 50, 260, 120, 300, 300, 400, 380], [0, 0, 1]),
    );
    m.add(
      pred([55, 62, 148, 170, 405, 395, 470, 480, 52, 58, 160, 150, 100, 100, 200, 200], [0.83, 0.48, 0.71, 0.66], [2, 0, 2, 1]),
      truth([50, 60, 150, 160, 400, 400, 480, 470], [2, 0]),
    );
    m.add(pred([10, 10, 60, 60], [0.58], [1]), truth([], []));
    m.add(none(), truth([20, 30, 90, 120], [1]));
    const r = m.result();
    expect([r.map50, r.map5095, r.precision, r.recall]).toEqual([0.8220833333333335, 0.5386929166666667, 0.770650727998465, 0.6840154377115363]);
    expect(r.perClass).toEqual([
      { classId: 0, labels: 3, ap50: 0.9125000000000002, ap5095: 0.6402037500000001, precision: 1.0, recall: 0.552046313134609 },
      { classId: 1, labels: 2, ap50: 0.5587500000000002, ap5095: 0.2793750000000001, precision: 0.7714532640322117, recall: 0.5 },
      { classId: 2, labels: 1, ap50: 0.995, ap5095: 0.6965, precision: 0.5404989199631834, recall: 1.0 },
    ]);
    expect([r.images, r.instances]).toEqual([4, 6]);
  });

  it('agrees with a straightforward re-implementation on random data', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const nc = 1 + Math.floor(r() * (seed % 4 === 0 ? 20 : 5));
      const images = Array.from({ length: 1 + Math.floor(r() * 15) }, () => randomImage(r, nc, seed % 3 === 0));
      const m = new DetectionMetrics(nc);
      for (const im of images) m.add(im.pred, im.truth);
      const got = m.result();
      const want = reference(images);
      const where = `seed ${seed}`;
      expect(got.images, where).toBe(images.length);
      expect(got.instances, where).toBe(want.instances);
      for (const k of ['map50', 'map5095', 'precision', 'recall'] as const) expect(got[k], `${where} ${k}`).toBeCloseTo(want[k], 12);
      expect(
        got.perClass.map((c) => [c.classId, c.labels]),
        where,
      ).toEqual(want.perClass.map((c) => [c.classId, c.labels]));
      got.perClass.forEach((c, i) => {
        for (const k of ['ap50', 'ap5095', 'precision', 'recall'] as const)
          expect(c[k], `${where} class ${c.classId} ${k}`).toBeCloseTo(want.perClass[i][k], 12);
      });
    }
  });

  it('rejects bad input with the argument named', () => {
    const m = new DetectionMetrics(2);
    const t = truth([0, 0, 1, 1], [0]);
    expectThrows([
      [() => new DetectionMetrics(0), /DetectionMetrics: nc must be an integer >= 1, received 0/],
      [() => m.add(null as never, t), /pred must be an object, received null/],
      [() => m.add(pred([0, 0, 1, 1], [0.5], [0]), undefined as never), /truth must be an object/],
      [() => m.add({ ...pred([0, 0, 1, 1], [0.5], [0]), scores: 'x' as never }, t), /pred.scores must be a typed array/],
      [() => m.add(pred([0, 0, 1], [0.5], [0]), t), /pred.boxes must be 4 values \(4 per score\), received a Float32Array of length 3/],
      [() => m.add(pred([0, 0, 1, 1], [0.5], [0, 1]), t), /pred.classes must be 1 values \(1 per score\)/],
      [() => m.add(pred([0, 0, 1, 1], [NaN], [0]), t), /pred.scores\[0\] must be a finite number, received NaN/],
      [() => m.add(pred([0, 0, 1, Infinity], [0.5], [0]), t), /pred.boxes\[3\] must be a finite number/],
      [() => m.add(pred([0, 0, 1, 1], [0.5], [2]), t), /pred.classes\[0\] must be a class id in \[0, 1\], received 2/],
      [() => m.add(pred([0, 0, 1, 1], [0.5], [-1]), t), /pred.classes\[0\] must be a class id in \[0, 1\], received -1/],
      [() => m.add({ ...pred([0, 0, 1, 1], [0.5], [0]), count: 2 }, t), /pred.count must be an integer in \[0, 1\], received 2/],
      [() => m.add(pred([], [], []), truth([0, 0, 1], [0])), /truth.boxes must be 4 values \(4 per class id\)/],
      [() => m.add(pred([], [], []), truth([0, 0, 1, 1], [5])), /truth.classes\[0\] must be a class id in \[0, 1\], received 5/],
      [() => matchPredictions(i32([0]), i32([0, 0]), f32([1])), /matchPredictions: iou must be 2 × 1 values/],
      [() => computeAp([0.5], []), /computeAp: precision must be 1 values/],
    ]);
    // A rejected image is not counted.
    expect(m.result().images).toBe(0);
  });
});

// --- An independent, straightforward re-implementation (plain loops, no code shared with lib/val/metrics.ts) ---

type Img = { pred: Prediction; truth: GroundTruth };

function randomImage(r: () => number, nc: number, tiedScores: boolean): Img {
  const ng = Math.floor(r() * 10);
  const gb: number[] = [];
  const gc: number[] = [];
  for (let g = 0; g < ng; g++) {
    const x = r() * 500,
      y = r() * 500;
    gb.push(x, y, x + 10 + r() * 150, y + 10 + r() * 150);
    gc.push(Math.floor(r() * nc));
  }
  const np_ = Math.floor(r() * 20);
  const pb: number[] = [];
  const ps: number[] = [];
  const pc: number[] = [];
  for (let p = 0; p < np_; p++) {
    if (ng && r() < 0.7) {
      const g = Math.floor(r() * ng);
      for (let k = 0; k < 4; k++) pb.push(gb[g * 4 + k] + (r() - 0.5) * 30);
      pc.push(r() < 0.85 ? gc[g] : Math.floor(r() * nc));
    } else {
      const x = r() * 500,
        y = r() * 500;
      pb.push(x, y, x + 10 + r() * 150, y + 10 + r() * 150);
      pc.push(Math.floor(r() * nc));
    }
    ps.push(tiedScores ? Math.floor(r() * 5) / 5 + 0.05 : r());
  }
  return { pred: pred(pb, ps, pc), truth: truth(gb, gc) };
}

/** np.interp for sorted xp: linear scan for the last xp <= x. */
function refInterp(x: number, xp: number[], fp: number[], left: number, right: number): number {
  if (x < xp[0]) return left;
  if (x > xp[xp.length - 1]) return right;
  let j = 0;
  while (j + 1 < xp.length && xp[j + 1] <= x) j++;
  if (j === xp.length - 1 || xp[j] === x) return fp[j];
  return ((fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])) * (x - xp[j]) + fp[j];
}

function refAp(recall: number[], precision: number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [1, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) if (mpre[i + 1] > mpre[i]) mpre[i] = mpre[i + 1];
  const x = Array.from({ length: 101 }, (_, k) => (k === 100 ? 1 : k * 0.01));
  let area = 0;
  for (let k = 0; k < 100; k++) area += ((x[k + 1] - x[k]) * (refInterp(x[k + 1], mrec, mpre, 1, 0) + refInterp(x[k], mrec, mpre, 1, 0))) / 2;
  return area;
}

function reference(images: Img[]) {
  const f = Math.fround;
  const thresholds = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95].map(f);
  const all: Array<{ conf: number; cls: number; tp: boolean[] }> = [];
  const labels: number[] = [];
  for (const { pred: p, truth: g } of images) {
    labels.push(...g.classes);
    const dets = [...p.scores]
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((d) => d.i);
    // IoU of label l and detection d, float32 at every step.
    const iou = (l: number, d: number) => {
      const [a1, b1, a2, b2] = g.boxes.subarray(l * 4, l * 4 + 4);
      const [c1, d1, c2, d2] = p.boxes.subarray(d * 4, d * 4 + 4);
      const iw = Math.max(f(Math.min(a2, c2) - Math.max(a1, c1)), 0);
      const ih = Math.max(f(Math.min(b2, d2) - Math.max(b1, d1)), 0);
      const inter = f(iw * ih);
      const union = f(f(f(f(f(a2 - a1) * f(b2 - b1)) + f(f(c2 - c1) * f(d2 - d1))) - inter) + f(1e-7));
      return f(inter / union);
    };
    const tps = dets.map(() => thresholds.map(() => false));
    thresholds.forEach((t, ti) => {
      // The NumPy steps literally: nonzero pairs, sort by IoU (stable) and reverse, unique by detection, unique by label.
      let pairs: Array<[number, number, number]> = [];
      for (let l = 0; l < g.classes.length; l++) {
        for (let k = 0; k < dets.length; k++) {
          const v = g.classes[l] === p.classes[dets[k]] ? iou(l, dets[k]) : 0;
          if (v >= t) pairs.push([l, k, v]);
        }
      }
      if (pairs.length > 1) {
        pairs = pairs
          .map((m, i) => ({ m, i }))
          .sort((a, b) => a.m[2] - b.m[2] || a.i - b.i)
          .map((x) => x.m)
          .reverse();
        const firstByDet = new Map<number, [number, number, number]>();
        for (const m of pairs) if (!firstByDet.has(m[1])) firstByDet.set(m[1], m);
        pairs = [...firstByDet.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
        const firstByLabel = new Map<number, [number, number, number]>();
        for (const m of pairs) if (!firstByLabel.has(m[0])) firstByLabel.set(m[0], m);
        pairs = [...firstByLabel.values()];
      }
      for (const m of pairs) tps[m[1]][ti] = true;
    });
    dets.forEach((d, k) => {
      all.push({ conf: p.scores[d], cls: p.classes[d], tp: tps[k] });
    });
  }
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const instances = labels.length;
  if (!all.some((a) => a.tp.some(Boolean))) {
    return {
      instances,
      map50: 0,
      map5095: 0,
      precision: 0,
      recall: 0,
      perClass: classes.map((c) => ({ classId: c, labels: labels.filter((l) => l === c).length, ap50: 0, ap5095: 0, precision: 0, recall: 0 })),
    };
  }
  const ranked = all
    .map((a, i) => ({ a, i }))
    .sort((x, y) => y.a.conf - x.a.conf || x.i - y.i)
    .map((x) => x.a);
  const grid = Array.from({ length: 1000 }, (_, k) => (k === 999 ? 1 : k * (1 / 999)));
  const rows = classes.map((c) => {
    const nl = labels.filter((l) => l === c).length;
    const mine = ranked.filter((a) => a.cls === c);
    const ap: number[] = [];
    let pc = grid.map(() => 0);
    let rc = grid.map(() => 0);
    if (mine.length) {
      for (let t = 0; t < 10; t++) {
        let tp = 0;
        const rec: number[] = [];
        const prec: number[] = [];
        mine.forEach((a, k) => {
          if (a.tp[t]) tp++;
          rec.push(tp / nl);
          prec.push(tp / (k + 1));
        });
        ap.push(refAp(rec, prec));
        if (t === 0) {
          const xp = mine.map((a) => -a.conf);
          rc = grid.map((x) => refInterp(-x, xp, rec, 0, rec[rec.length - 1]));
          pc = grid.map((x) => refInterp(-x, xp, prec, 1, prec[prec.length - 1]));
        }
      }
    } else ap.push(...new Array(10).fill(0));
    return { classId: c, labels: nl, ap, pc, rc };
  });
  const f1 = grid.map((_, k) => rows.reduce((s, row) => s + (2 * row.pc[k] * row.rc[k]) / (row.pc[k] + row.rc[k] + 1e-16), 0) / rows.length);
  const padded = [...new Array(50).fill(f1[0]), ...f1, ...new Array(50).fill(f1[999])];
  const smoothed = f1.map((_, k) => padded.slice(k, k + 101).reduce((s, v) => s + v * (1 / 101), 0));
  const best = smoothed.indexOf(Math.max(...smoothed));
  const perClass = rows.map((row) => ({
    classId: row.classId,
    labels: row.labels,
    ap50: row.ap[0],
    ap5095: row.ap.reduce((s, v) => s + v, 0) / 10,
    precision: row.pc[best],
    recall: row.rc[best],
  }));
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  return {
    instances,
    perClass,
    map50: mean(perClass.map((c) => c.ap50)),
    map5095: mean(perClass.map((c) => c.ap5095)),
    precision: mean(perClass.map((c) => c.precision)),
    recall: mean(perClass.map((c) => c.recall)),
  };
}
