import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { letterbox, letterboxAsync, loadImage, type LetterboxOptions, type RawImage } from '../../lib/index.js';
import { fixture, projectRoot } from '../helpers/fixtures.js';
import { expectThrows } from '../helpers/expect-error.js';

/** Hashes of OpenCV's own output (test/reference/letterbox_opencv.py), never the bytes. */
const reference = JSON.parse(readFileSync(`${projectRoot}/test/reference/letterbox_opencv.json`, 'utf8')) as {
  opencv: string;
  images: Record<string, { width: number; height: number; rgbSha256: string }>;
  cases: Array<{ image: string; options: LetterboxOptions; resized: [number, number]; pad: [number, number]; output: [number, number]; sha256: string }>;
};
const images: Record<string, RawImage> = {
  'bus.jpg': await loadImage(fixture('images/bus.jpg')),
  'zidane.jpg': await loadImage(fixture('images/zidane.jpg')),
};
const sha256 = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

/** The same pixels in another channel order. */
function reorder(img: RawImage, order: 'bgr' | 'rgba' | 'bgra'): RawImage {
  const n = img.width * img.height;
  const cn = order === 'bgr' ? 3 : 4;
  const out = new Uint8Array(n * cn);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]];
    const px = order === 'rgba' ? [r, g, b, 7] : order === 'bgra' ? [b, g, r, 200] : [b, g, r];
    out.set(px, i * cn);
  }
  return { data: out, width: img.width, height: img.height, channels: cn as 3 | 4, order };
}

describe(`letterbox against OpenCV ${reference.opencv} (Ultralytics LetterBox)`, () => {
  it('decodes the fixtures to the same pixels as cv2.imread (ICC profile ignored)', () => {
    for (const [name, img] of Object.entries(images)) {
      expect([img.width, img.height]).toEqual([reference.images[name].width, reference.images[name].height]);
      expect(sha256(img.data), name).toBe(reference.images[name].rgbSha256);
    }
  });

  it(`is byte-exact for all ${reference.cases.length} option combinations`, () => {
    for (const c of reference.cases) {
      const lb = letterbox(images[c.image], c.options);
      const label = `${c.image} ${JSON.stringify(c.options)}`;
      expect(lb.resized, label).toEqual(c.resized);
      expect(lb.pad, label).toEqual(c.pad);
      expect(lb.layout === 'nchw' ? [lb.shape[3], lb.shape[2]] : [lb.shape[2], lb.shape[1]], label).toEqual(c.output);
      expect(sha256(lb.data), label).toBe(c.sha256);
    }
  });

  it('gives the same bytes from BGR, RGBA and BGRA sources', () => {
    const cases = reference.cases.filter((c) => c.image === 'zidane.jpg').slice(0, 6);
    for (const order of ['bgr', 'rgba', 'bgra'] as const) {
      const src = reorder(images['zidane.jpg'], order);
      for (const c of cases) expect(sha256(letterbox(src, c.options).data), `${order} ${JSON.stringify(c.options)}`).toBe(c.sha256);
    }
  });

  it('honours a row stride and writes into a caller-provided array', () => {
    const img = images['bus.jpg'];
    const stride = img.width * 3 + 13;
    const padded = new Uint8Array(stride * img.height);
    for (let y = 0; y < img.height; y++) padded.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), y * stride);
    const out = new Float32Array(3 * 640 * 640 + 100).fill(-1);
    const lb = letterbox({ ...img, data: padded, stride }, { out });
    expect(lb.data.buffer).toBe(out.buffer);
    expect(sha256(lb.data)).toBe(reference.cases.find((c) => c.image === 'bus.jpg' && Object.keys(c.options).length === 0)!.sha256);
    expect(out[out.length - 1]).toBe(-1);
  });

  it('letterboxAsync gives the same result off the JS thread', async () => {
    const c = reference.cases.find((x) => x.image === 'zidane.jpg' && x.options.dtype === 'float16')!;
    expect(sha256((await letterboxAsync(images['zidane.jpg'], c.options)).data)).toBe(c.sha256);
  });

  it('replicates gray images to RGB like cv2.imread', () => {
    const gray: RawImage = { data: new Uint8Array(50 * 40).map((_, i) => (i * 7) & 255), width: 50, height: 40, channels: 1, order: 'gray' };
    const rgb: RawImage = { data: new Uint8Array(50 * 40 * 3).map((_, i) => (Math.floor(i / 3) * 7) & 255), width: 50, height: 40, channels: 3, order: 'rgb' };
    expect(sha256(letterbox(gray, { size: 64, dtype: 'uint8' }).data)).toBe(sha256(letterbox(rgb, { size: 64, dtype: 'uint8' }).data));
  });

  it('rejects bad input with ERR_BAD_INPUT naming the argument', () => {
    const img = images['zidane.jpg'];
    const cases: Array<[() => unknown, RegExp]> = [
      [() => letterbox({ ...img, data: img.data.subarray(0, 100) }), /letterbox: image.data must be at least 2764800 bytes/],
      [() => letterbox({ ...img, width: 0 }), /letterbox: image.width must be an integer in \[1, 65536\], received 0/],
      [() => letterbox({ ...img, height: -5 }), /letterbox: image.height/],
      [() => letterbox({ ...img, order: 'argb' as never }), /letterbox: image.order must be one of 'gray', 'rgb', 'bgr', 'rgba', 'bgra'/],
      [() => letterbox({ ...img, channels: 4 }), /letterbox: image.channels must be 3 for order 'rgb', received 4/],
      [() => letterbox({ ...img, stride: 10 }), /letterbox: image.stride must be an integer >= 3840/],
      [() => letterbox(img, { size: 0 }), /letterbox: options.size must be an integer/],
      [() => letterbox(img, { size: [640] as never }), /letterbox: options.size must be a positive integer or \[height, width\]/],
      [() => letterbox(img, { padValue: 300 }), /letterbox: options.padValue/],
      [() => letterbox(img, { dtype: 'int8' as never }), /letterbox: options.dtype must be one of/],
      [() => letterbox(img, { out: new Float32Array(10) }), /letterbox: options.out must be at least 1228800 elements/],
      [
        () => letterbox(img, { dtype: 'float16', out: new Float32Array(3 * 640 * 640) as never }),
        /letterbox: options.out must be a Uint16Array for dtype 'float16'/,
      ],
      [() => letterbox({ ...img, data: Array.from(img.data.subarray(0, 10)) as never }), /letterbox: image.data must be a Uint8Array/],
      [() => letterbox(null as never), /letterbox: image must be an object, received null/],
    ];
    expectThrows(cases);
  });
});
