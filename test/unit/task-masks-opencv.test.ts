import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { addon } from '../../lib/native/binding.js';
import { fixture, projectRoot } from '../helpers/fixtures.js';
import { rng } from '../helpers/random.js';

/** OpenCV's own results on the same random inputs (test/reference/masks_opencv.py, same mulberry32 stream). */
const reference = JSON.parse(readFileSync(`${projectRoot}/test/reference/masks_opencv.json`, 'utf8')) as {
  opencv: string;
  contours: number[][][];
  polygons: Array<{ sha256: string; quarterSha256: string | null; area: number }>;
};
const sha256 = (a: Uint8Array) => createHash('sha256').update(a).digest('hex');

const rnd = rng(20240607);
const randint = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
const masks = reference.contours.map(() => {
  const w = randint(1, 48);
  const h = randint(1, 48);
  const density = [0.2, 0.5, 0.8][randint(0, 3)];
  const data = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) data[i] = rnd() < density ? 1 : 0;
  return { w, h, data };
});
const polygons = reference.polygons.map(() => {
  const w = randint(8, 96);
  const h = randint(8, 96);
  const n = randint(3, 14);
  const margin = randint(0, 12);
  const pts: number[] = [];
  for (let k = 0; k < n; k++) pts.push(randint(-margin, w + margin), randint(-margin, h + margin));
  return { w, h, pts };
});

/** A compact mask back to a full frame. */
function full(m: { windows: Int32Array; data: Uint8Array; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(m.width * m.height);
  const [x, y, w, h] = m.windows;
  for (let r = 0; r < h; r++) out.set(m.data.subarray(r * w, (r + 1) * w), (y + r) * m.width + x);
  return out;
}

describe(`mask geometry against OpenCV ${reference.opencv}`, () => {
  it(`finds the same outer contours as cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) on ${masks.length} random masks`, () => {
    let contours = 0;
    masks.forEach((m, i) => {
      const c = addon().maskContours(Int32Array.of(0, 0, m.w, m.h), m.data);
      const got: number[][] = [];
      let o = 0;
      for (const size of c.sizes) {
        got.push(Array.from(c.points.subarray(o, o + size * 2)));
        o += size * 2;
      }
      expect(got, `mask ${i} (${m.w}x${m.h})`).toEqual(reference.contours[i]);
      contours += got.length;
    });
    expect(contours).toBeGreaterThan(masks.length); // holes, islands and single pixels all occur
  });

  it('reports contours in frame coordinates for a window of a larger frame', () => {
    const m = masks.find((x) => x.w > 10 && x.h > 10)!;
    const i = masks.indexOf(m);
    const c = addon().maskContours(Int32Array.of(100, 7, m.w, m.h), m.data);
    expect(Array.from(c.points)).toEqual(reference.contours[i].flat().map((v, k) => v + (k % 2 ? 7 : 100)));
  });

  it(`fills polygons as cv2.fillPoly and quarters them as cv2.resize on ${polygons.length} random polygons (vertices outside the image too)`, () => {
    polygons.forEach((p, i) => {
      const at = `polygon ${i} ${JSON.stringify(p)}`;
      const one = addon().polygonMasks(Float32Array.from(p.pts), Int32Array.of(p.pts.length / 2), { width: p.w, height: p.h, downsample: 1, overlap: false });
      const mask = full(one);
      expect(sha256(mask), at).toBe(reference.polygons[i].sha256);
      expect(
        mask.reduce((a, v) => a + v, 0),
        at,
      ).toBe(reference.polygons[i].area);
      const q = reference.polygons[i].quarterSha256;
      if (q) {
        const quarter = addon().polygonMasks(Float32Array.from(p.pts), Int32Array.of(p.pts.length / 2), {
          width: p.w,
          height: p.h,
          downsample: 4,
          overlap: false,
        });
        expect(sha256(full(quarter)), `${at} at 1/4`).toBe(q);
      }
    });
  });

  it('truncates float vertices toward zero as np.int32 does', () => {
    const a = addon().polygonMasks(Float32Array.of(1.9, 1.9, 9.99, 2.5, 5.5, 9.7), Int32Array.of(3), { width: 12, height: 12, downsample: 1, overlap: false });
    const b = addon().polygonMasks(Float32Array.of(1, 1, 9, 2, 5, 9), Int32Array.of(3), { width: 12, height: 12, downsample: 1, overlap: false });
    expect(sha256(full(a))).toBe(sha256(full(b)));
    const neg = addon().polygonMasks(Float32Array.of(-0.9, -0.9, 5, -0.5, 5, 5, -0.2, 5), Int32Array.of(4), {
      width: 8,
      height: 8,
      downsample: 1,
      overlap: false,
    });
    const zero = addon().polygonMasks(Float32Array.of(0, 0, 5, 0, 5, 5, 0, 5), Int32Array.of(4), { width: 8, height: 8, downsample: 1, overlap: false });
    expect(sha256(full(neg))).toBe(sha256(full(zero)));
  });

  it('resolves overlapping masks as polygons2masks_overlap: by decreasing area, each pixel to the smallest mask over it', () => {
    const text = readFileSync(fixture('coco8-seg/labels/val/000000000036.txt'), 'utf8').trim().split('\n');
    const coords = Float32Array.from(
      text.flatMap((l) =>
        l
          .split(' ')
          .slice(1)
          .map((v) => Number(v) * 640),
      ),
    );
    const sizes = Int32Array.from(text.map((l) => (l.split(' ').length - 1) / 2));
    const params = { width: 640, height: 640, downsample: 4 };
    const separate = addon().polygonMasks(coords, sizes, { ...params, overlap: false });
    const merged = addon().polygonMasks(coords, sizes, { ...params, overlap: true });
    const frames = (m: typeof separate) =>
      Array.from({ length: m.windows.length / 4 }, (_, i) => {
        const out = new Uint8Array(160 * 160);
        const [x, y, w, h] = m.windows.subarray(i * 4, i * 4 + 4);
        const off = Array.from(m.windows.subarray(0, i * 4)).reduce((a, _v, k, arr) => (k % 4 === 3 ? a + arr[k - 1] * arr[k] : a), 0);
        for (let r = 0; r < h; r++) out.set(m.data.subarray(off + r * w, off + (r + 1) * w), (y + r) * 160 + x);
        return out;
      });
    const sep = frames(separate);
    const mer = frames(merged);
    const area = (f: Uint8Array) => f.reduce((a, v) => a + v, 0);
    const order = Array.from(merged.order);
    expect(order.map((i) => area(sep[i]))).toEqual(order.map((i) => area(sep[i])).sort((a, b) => b - a));
    expect(sizes.length).toBeGreaterThan(1);
    for (let p = 0; p < 160 * 160; p++) {
      const over = order.filter((i) => sep[i][p]);
      const owners = mer.map((f, r) => (f[p] ? r : -1)).filter((r) => r >= 0);
      // The last mask in area order (the smallest) that covers the pixel owns it; uncovered pixels stay empty.
      expect(owners).toEqual(over.length ? [order.indexOf(over[over.length - 1])] : []);
    }
  });
});
