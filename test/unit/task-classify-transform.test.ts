import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { classifyGeometry, classifyTransform, classifyTransformAsync, loadImage, type ClassifyTransformOptions, type RawImage } from '../../lib/index.js';
import { expectThrows } from '../helpers/expect-error.js';
import { fixture, projectRoot } from '../helpers/fixtures.js';

/** Hashes of torchvision/Pillow's own output (test/reference/classify_pillow.py), never the bytes. */
const reference = JSON.parse(readFileSync(`${projectRoot}/test/reference/classify_pillow.json`, 'utf8')) as {
  pillow: string;
  torchvision: string;
  cases: Array<{ image: string; options: ClassifyTransformOptions; resized: [number, number]; sha256: string }>;
};
const images: Record<string, RawImage> = {
  'bus.jpg': await loadImage(fixture('images/bus.jpg')),
  'zidane.jpg': await loadImage(fixture('images/zidane.jpg')),
};
const sha256 = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

function reorder(img: RawImage, order: 'bgr' | 'rgba' | 'bgra'): RawImage {
  const n = img.width * img.height;
  const cn = order === 'bgr' ? 3 : 4;
  const out = new Uint8Array(n * cn);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]];
    out.set(order === 'rgba' ? [r, g, b, 9] : order === 'bgra' ? [b, g, r, 250] : [b, g, r], i * cn);
  }
  return { data: out, width: img.width, height: img.height, channels: cn as 3 | 4, order };
}

describe(`classifyTransform against Pillow ${reference.pillow} / torchvision ${reference.torchvision} (Ultralytics classify_transforms)`, () => {
  it(`is byte-exact for all ${reference.cases.length} cases on bus.jpg and zidane.jpg`, () => {
    for (const c of reference.cases) {
      const t = classifyTransform(images[c.image], c.options);
      const label = `${c.image} ${JSON.stringify(c.options)}`;
      expect(t.frame.resized, label).toEqual(c.resized);
      expect(t.shape, label).toEqual(t.layout === 'nchw' ? [1, 3, c.options.size, c.options.size] : [1, c.options.size, c.options.size, 3]);
      expect(sha256(t.data), label).toBe(c.sha256);
    }
  });

  it('gives the same bytes from BGR, RGBA and BGRA sources, and asynchronously', async () => {
    const c = reference.cases.find((x) => x.image === 'zidane.jpg' && x.options.dtype === 'uint8' && x.options.size === 224 && !x.options.layout)!;
    for (const order of ['bgr', 'rgba', 'bgra'] as const)
      expect(sha256(classifyTransform(reorder(images['zidane.jpg'], order), c.options).data), order).toBe(c.sha256);
    expect(sha256((await classifyTransformAsync(images['zidane.jpg'], c.options)).data)).toBe(c.sha256);
  });

  it("follows torchvision's Resize / CenterCrop geometry", () => {
    // Shorter side to size, longer side int(size * long / short); crop offsets round((resized - size) / 2).
    expect(classifyGeometry(810, 1080, 224)).toEqual({ resized: [224, 298], crop: [0, 37] });
    expect(classifyGeometry(1280, 720, 224)).toEqual({ resized: [398, 224], crop: [87, 0] });
    expect(classifyGeometry(300, 300, 224)).toEqual({ resized: [224, 224], crop: [0, 0] });
    expect(classifyGeometry(101, 100, 50)).toEqual({ resized: [50, 50], crop: [0, 0] });
    // Python's round, halves to even: (225 - 224) / 2 = 0.5 -> 0, (227 - 224) / 2 = 1.5 -> 2.
    expect(classifyGeometry(224, 225, 224).crop).toEqual([0, 0]);
    expect(classifyGeometry(224, 227, 224).crop).toEqual([0, 2]);
  });

  it('copies pixels untouched when the image already has the size, and upsamples a 1x1 image to a flat square', () => {
    const img: RawImage = { data: Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) & 255), width: 8, height: 8, channels: 3, order: 'rgb' };
    expect(Array.from(classifyTransform(img, { size: 8, dtype: 'uint8', layout: 'nhwc' }).data)).toEqual(Array.from(img.data));
    const one: RawImage = { data: Uint8Array.of(10, 200, 30), width: 1, height: 1, channels: 3, order: 'rgb' };
    const t = classifyTransform(one, { size: 5, dtype: 'uint8', layout: 'nhwc' });
    for (let p = 0; p < 25; p++) expect(Array.from(t.data.subarray(p * 3, p * 3 + 3))).toEqual([10, 200, 30]);
    const gray: RawImage = { data: Uint8Array.of(77), width: 1, height: 1, channels: 1, order: 'gray' };
    expect(Array.from(classifyTransform(gray, { size: 2 }).data)).toEqual(new Array(12).fill(Math.fround(77 / 255)));
  });

  it('refuses bad options with exact messages', () => {
    expectThrows([
      [() => classifyTransform(images['bus.jpg'], { size: 0 }), /classifyTransform: options.size must be an integer in \[1, 8192\], received 0/],
      [() => classifyTransform(images['bus.jpg'], { dtype: 'int8' as never }), /options.dtype must be one of 'float32', 'float16', 'uint8'/],
      [() => classifyTransform(images['bus.jpg'], { size: 4, out: new Float32Array(10) }), /options.out must be at least 48 elements/],
      [() => classifyTransform({ ...images['bus.jpg'], width: 0 }), /classifyTransform: image.width must be an integer/],
    ]);
  });
});
