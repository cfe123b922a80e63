import { afterAll, describe, expect, it } from 'vitest';

import { headFor, letterbox, letterboxFrame, nmsRotated, OnnxRuntimeBackend, probiou, xywhr2xyxyxyxy, type ObbResult, type RawImage } from '../../lib/index.js';
import { expectThrows } from '../helpers/expect-error.js';
import { rng } from '../helpers/random.js';
import { constantModel, namesLiteral } from '../helpers/task-models.js';

/**
 * Probabilistic IoU written from its definition (Llerena et al., as Ultralytics' batch_probiou): each box a Gaussian
 * with covariance R diag(w²/12, h²/12) Rᵀ; Bhattacharyya distance of the two; 1 - sqrt(1 - exp(-B)). Double
 * precision, Ultralytics' eps terms included.
 */
function refProbiou(a: number[], b: number[]): number {
  const cov = ([, , w, h, t]: number[]) => {
    const [p, q, c, s] = [(w * w) / 12, (h * h) / 12, Math.cos(t), Math.sin(t)];
    return [p * c * c + q * s * s, p * s * s + q * c * c, (p - q) * c * s];
  };
  const [a1, b1, c1] = cov(a);
  const [a2, b2, c2] = cov(b);
  const eps = 1e-7;
  const [A, B, C] = [a1 + a2, b1 + b2, c1 + c2];
  const det = A * B - C * C;
  const t1 = ((A * (a[1] - b[1]) ** 2 + B * (a[0] - b[0]) ** 2) / (det + eps)) * 0.25;
  const t2 = ((C * (b[0] - a[0]) * (a[1] - b[1])) / (det + eps)) * 0.5;
  const t3 = Math.log(det / (4 * Math.sqrt(Math.max(a1 * b1 - c1 * c1, 0) * Math.max(a2 * b2 - c2 * c2, 0)) + eps) + eps) * 0.5;
  const bd = Math.min(Math.max(t1 + t2 + t3, eps), 100);
  return 1 - Math.sqrt(1 - Math.exp(-bd) + eps);
}

/** regularize_rboxes from its definition: swap w and h when the angle mod pi is >= pi/2; angle mod pi/2. */
function refRegularize([x, y, w, h, t]: number[]): number[] {
  const mod = (v: number, m: number) => ((v % m) + m) % m;
  return mod(t, Math.PI) >= Math.PI / 2 ? [x, y, h, w, mod(t, Math.PI / 2)] : [x, y, w, h, mod(t, Math.PI / 2)];
}

const backends: OnnxRuntimeBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

const NAMES = ['plane', 'ship', 'tank'];
const metadata = { task: 'obb', names: namesLiteral(NAMES), imgsz: '[640, 640]' };

/** [1, 4 + 3 + 1, anchors] channels first from rows (cx, cy, w, h, class, score, angle). */
function obbOutput(rows: number[][]): Float32Array {
  const A = rows.length;
  const out = new Float32Array(8 * A);
  rows.forEach(([cx, cy, w, h, cls, score, angle], a) => {
    [cx, cy, w, h].forEach((v, c) => {
      out[c * A + a] = v;
    });
    out[(4 + cls) * A + a] = score;
    out[7 * A + a] = angle;
  });
  return out;
}

async function run(
  rows: number[][],
  source: RawImage,
  options: object = {},
  extra: Record<string, string> = {},
  data?: Float32Array,
  dims?: number[],
): Promise<ObbResult> {
  const output = data ?? obbOutput(rows);
  const model = constantModel(640, 640, [{ name: 'output0', dims: dims ?? [1, 8, rows.length], data: output }], { ...metadata, ...extra });
  const backend = await OnnxRuntimeBackend.load(model);
  backends.push(backend);
  const head = headFor(backend.info, 'obb');
  const lb = letterbox(source, { size: 640 });
  const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
  return head.postprocess(outputs, [letterboxFrame(lb)], head.options('test', options), backend.info)[0] as ObbResult;
}

const square: RawImage = { data: new Uint8Array(640 * 640 * 3), width: 640, height: 640, channels: 3, order: 'rgb' };

describe('probiou', () => {
  it('matches the definition on random boxes (float32 vs double, 1e-4)', () => {
    const r = rng(7);
    const boxes = Array.from({ length: 40 }, () => [r() * 100, r() * 100, 1 + r() * 60, 1 + r() * 60, (r() - 0.5) * 4]);
    const got = probiou(Float32Array.from(boxes.flat()), Float32Array.from(boxes.flat()));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = 0; j < boxes.length; j++) expect(Math.abs(got[i * boxes.length + j] - refProbiou(boxes[i], boxes[j])), `${i},${j}`).toBeLessThan(1e-4);
    }
  });

  it('is the same for a box and its w/h swap rotated by pi/2, and near 1 for identical boxes', () => {
    const [v] = probiou([50, 50, 40, 10, 0], [50, 50, 10, 40, Math.PI / 2]);
    expect(v).toBeGreaterThan(0.999);
    expect(probiou([0, 0, 10, 10, 0], [1000, 0, 10, 10, 0])[0]).toBeLessThan(1e-3);
  });
});

describe('rotated NMS: Ultralytics fast NMS, not greedy', () => {
  it('drops a box overlapped by a higher-scored box even when that box was itself dropped', () => {
    // A-B and B-C overlap beyond 0.5; A-C do not. Greedy NMS would keep A and C; fast NMS keeps A only.
    const A = [100, 100, 60, 20, 0];
    const B = [118, 100, 60, 20, 0];
    const C = [136, 100, 60, 20, 0];
    expect(refProbiou(A, B)).toBeGreaterThan(0.5);
    expect(refProbiou(B, C)).toBeGreaterThan(0.5);
    expect(refProbiou(A, C)).toBeLessThan(0.5);
    expect(Array.from(nmsRotated([...A, ...B, ...C], [0.9, 0.8, 0.7], 0.5))).toEqual([0]);
    expect(Array.from(nmsRotated([...C, ...A, ...B], [0.7, 0.9, 0.8], 0.5))).toEqual([1]);
  });

  it('keeps equal scores in index order, and applies the threshold as >=', () => {
    const box = [10, 10, 8, 4, 0.3];
    expect(Array.from(nmsRotated([...box, ...box], [0.5, 0.5], 0.99))).toEqual([0]);
    expect(Array.from(nmsRotated([...box, ...box], [0.5, 0.5], 1))).toEqual([0, 1]); // probiou of a box with itself < 1
  });

  it('agrees with a brute-force fast NMS over the reference probiou on random boxes', () => {
    const r = rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30;
      const boxes = Array.from({ length: n }, () => [r() * 200, r() * 200, 5 + r() * 50, 5 + r() * 50, (r() - 0.5) * 3.5]);
      const scores = Array.from({ length: n }, () => Math.fround(r()));
      const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b);
      const keep = order.filter((j, k) => !order.slice(0, k).some((i) => refProbiou(boxes[i], boxes[j]) >= 0.3));
      expect(Array.from(nmsRotated(Float32Array.from(boxes.flat()), Float32Array.from(scores), 0.3)), `trial ${trial}`).toEqual(keep);
    }
  });
});

describe('obb decoding on a synthetic head (through ONNX Runtime with Ultralytics metadata)', () => {
  it('regularizes angles near 0 and pi/2, scales centres and sizes without clipping, and gives the corners', async () => {
    const rows = [
      [100, 100, 40, 10, 0, 0.9, -0.01], // just below 0: w/h swap, angle pi/2 - 0.01
      [300, 100, 40, 10, 1, 0.8, Math.PI / 2 + 0.01], // just past pi/2: swap, angle 0.01
      [500, 100, 40, 10, 2, 0.7, 0.01], // unchanged
      [100, 300, 40, 10, 0, 0.6, Math.PI / 2 - 0.01], // unchanged
      [620, 630, 200, 100, 1, 0.5, 3 * Math.PI + 0.2], // mod pi = 0.2: unchanged but angle 0.2; extends past the image
    ];
    const wide: RawImage = { data: new Uint8Array(1280 * 960 * 3), width: 1280, height: 960, channels: 3, order: 'rgb' };
    const r = await run(rows, wide);
    // 1280x960 into 640: gain 0.5, pad top round((640 - 480) / 2 - 0.1) = 80.
    expect(r.obb.count).toBe(5);
    expect(Array.from(r.obb.cls)).toEqual([0, 1, 2, 0, 1]);
    rows.forEach((row, i) => {
      const [x, y, w, h, t] = refRegularize([row[0], row[1], row[2], row[3], row[6]]);
      const want = [x / 0.5, (y - 80) / 0.5, w / 0.5, h / 0.5, t];
      const got = Array.from(r.obb.xywhr.subarray(i * 5, i * 5 + 5));
      got.forEach((v, k) => {
        expect(Math.abs(v - want[k]), `box ${i} value ${k}: ${v} vs ${want[k]}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[k])));
      });
      // Corners from the definition: centre ± (w/2)(cos, sin) ± (h/2)(-sin, cos).
      const [c, s] = [Math.cos(want[4]), Math.sin(want[4])];
      const v1 = [(want[2] / 2) * c, (want[2] / 2) * s];
      const v2 = [(-want[3] / 2) * s, (want[3] / 2) * c];
      const corners = [
        [want[0] + v1[0] + v2[0], want[1] + v1[1] + v2[1]],
        [want[0] + v1[0] - v2[0], want[1] + v1[1] - v2[1]],
        [want[0] - v1[0] - v2[0], want[1] - v1[1] - v2[1]],
        [want[0] - v1[0] + v2[0], want[1] - v1[1] + v2[1]],
      ].flat();
      Array.from(r.obb.xyxyxyxy.subarray(i * 8, i * 8 + 8)).forEach((v, k) => {
        expect(Math.abs(v - corners[k]), `corner ${k} of box ${i}`).toBeLessThan(1e-3);
      });
    });
    expect(r.obb.xywhr[4 * 5] + r.obb.xywhr[4 * 5 + 2] / 2).toBeGreaterThan(1280); // not clipped
  });

  it('offsets classes in NMS (overlapping boxes of two classes both kept) unless agnostic', async () => {
    const rows = [
      [200, 200, 80, 30, 0, 0.9, 0.3],
      [202, 201, 80, 30, 1, 0.8, 0.31],
      [203, 199, 80, 30, 0, 0.7, 0.29],
    ];
    expect((await run(rows, square)).obb.count).toBe(2);
    const agnostic = await run(rows, square, { agnostic: true });
    expect(agnostic.obb.count).toBe(1);
    expect(agnostic.obb.conf[0]).toBe(Math.fround(0.9));
    const only1 = await run(rows, square, { classes: [1] });
    expect(Array.from(only1.obb.cls)).toEqual([1]);
  });

  it('end-to-end heads [1, N, 7] (cx, cy, w, h, score, class, angle) are thresholded and regularized, not suppressed', async () => {
    const rows = [
      [320, 320, 100, 20, 0.9, 2, -0.5],
      [321, 320, 100, 20, 0.8, 2, -0.5],
      [10, 10, 5, 5, 0.1, 0, 0],
    ];
    const r = await run([], square, {}, { end2end: 'True' }, Float32Array.from(rows.flat()), [1, 3, 7]);
    expect(r.obb.count).toBe(2);
    const [x, y, w, h, t] = refRegularize([320, 320, 100, 20, -0.5]);
    Array.from(r.obb.xywhr.subarray(0, 5)).forEach((v, k) => {
      expect(v).toBeCloseTo([x, y, w, h, t][k], 5);
    });
    expect(Array.from(r.obb.cls)).toEqual([2, 2]);
  });

  it('validates its inputs with exact messages', () => {
    expectThrows([
      [
        () => probiou([1, 2, 3], [1, 2, 3, 4, 5]),
        /probiou: a must be a Float32Array of 5 values \(cx, cy, w, h, angle\) per box, received an array of length 3/,
      ],
      [() => nmsRotated([1, 2, 3, 4, 5], [0.5, 0.4]), /nmsRotated: scores must be 1 values, received an array of length 2/],
      [() => nmsRotated([1, 2, 3, 4, NaN], [0.5]), /nmsRotated: boxes\[4\] must be a finite number, received NaN/],
      [() => xywhr2xyxyxyxy(new Float32Array(4)), /xywhr2xyxyxyxy: boxes must be a Float32Array of 5 values per box/],
    ]);
  });
});
