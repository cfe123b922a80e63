/**
 * The CUDA letterbox kernel's code, run on the CPU by its host emulation (the same tile function the kernel runs,
 * block by block, thread by thread), against OpenCV's bytes and the CPU letterbox: CI has no GPU, so this is where
 * the kernel's arithmetic is tested. test/gpu/cuda-ops.test.ts runs the same comparisons on a device.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { letterbox, loadImage, type LetterboxOptions, type RawImage } from '../../lib/index.js';
import { addon, type NativeLetterboxParams } from '../../lib/native/binding.js';
import { fixture, projectRoot } from '../helpers/fixtures.js';
import { rng } from '../helpers/random.js';

const reference = JSON.parse(readFileSync(`${projectRoot}/test/reference/letterbox_opencv.json`, 'utf8')) as {
  cases: Array<{ image: string; options: LetterboxOptions; sha256: string }>;
};
const images: Record<string, RawImage> = {
  'bus.jpg': await loadImage(fixture('images/bus.jpg')),
  'zidane.jpg': await loadImage(fixture('images/zidane.jpg')),
};
const sha256 = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const ORDER = { gray: 0, rgb: 1, bgr: 2, rgba: 3, bgra: 4 } as const;
const DTYPE = { float32: 0, float16: 1, uint8: 2 } as const;
const ARRAY = [Float32Array, Uint16Array, Uint8Array] as const;

/** The native parameters of a CPU letterbox result (its geometry comes from lib/ops/geometry.ts). */
function paramsOf(img: RawImage, options: LetterboxOptions): NativeLetterboxParams {
  const lb = letterbox(img, options);
  const [outW, outH] = lb.layout === 'nchw' ? [lb.shape[3], lb.shape[2]] : [lb.shape[2], lb.shape[1]];
  return {
    width: img.width,
    height: img.height,
    channels: img.channels,
    stride: img.stride ?? img.width * img.channels,
    order: ORDER[img.order],
    resizedWidth: lb.resized[0],
    resizedHeight: lb.resized[1],
    outWidth: outW,
    outHeight: outH,
    padLeft: lb.pad[0],
    padTop: lb.pad[1],
    padValue: options.padValue ?? 114,
    dtype: DTYPE[lb.dtype],
    layout: lb.layout === 'nchw' ? 0 : 1,
  };
}

function emulated(src: Uint8Array, p: NativeLetterboxParams & { batch?: number }) {
  const out = new ARRAY[p.dtype]((p.batch ?? 1) * p.outWidth * p.outHeight * 3);
  addon().letterboxEmulated!(src, p, out);
  return out;
}

function reorder(img: RawImage, order: 'bgr' | 'rgba' | 'bgra' | 'gray'): RawImage {
  const n = img.width * img.height;
  const cn = order === 'gray' ? 1 : order === 'bgr' ? 3 : 4;
  const out = new Uint8Array(n * cn);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]];
    const px = order === 'gray' ? [(r * 3 + g * 5 + b) >> 3] : order === 'rgba' ? [r, g, b, 9] : order === 'bgra' ? [b, g, r, 250] : [b, g, r];
    out.set(px, i * cn);
  }
  return { data: out, width: img.width, height: img.height, channels: cn as 1 | 3 | 4, order };
}

const compiled = typeof addon().letterboxEmulated === 'function';
if (!compiled) console.log('[unit] skipped the CUDA letterbox kernel code: this addon was built without the CUDA layer (no nvcc)');

describe.skipIf(!compiled)('CUDA letterbox kernel code (host emulation) against OpenCV and the CPU letterbox', () => {
  it(`gives OpenCV's bytes on all ${reference.cases.length} option combinations`, () => {
    expect(reference.cases.length).toBe(44);
    for (const c of reference.cases) {
      const img = images[c.image];
      const out = emulated(img.data, paramsOf(img, c.options));
      expect(sha256(out), `${c.image} ${JSON.stringify(c.options)}`).toBe(c.sha256);
    }
  });

  it('equals the CPU letterbox from gray, BGR, RGBA and BGRA sources and with a row stride', () => {
    for (const order of ['gray', 'bgr', 'rgba', 'bgra'] as const) {
      const src = reorder(images['zidane.jpg'], order);
      for (const c of reference.cases.filter((x) => x.image === 'zidane.jpg').slice(0, 8)) {
        expect(bytes(emulated(src.data, paramsOf(src, c.options))).equals(bytes(letterbox(src, c.options).data)), `${order} ${JSON.stringify(c.options)}`).toBe(true);
      }
    }
    const img = images['bus.jpg'];
    const stride = img.width * 3 + 13;
    const padded = new Uint8Array(stride * img.height);
    for (let y = 0; y < img.height; y++) padded.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), y * stride);
    const strided: RawImage = { ...img, data: padded, stride };
    expect(sha256(emulated(padded, paramsOf(strided, {})))).toBe(reference.cases.find((c) => c.image === 'bus.jpg' && Object.keys(c.options).length === 0)!.sha256);
  });

  it('letterboxes a batch of frames into consecutive tensors', () => {
    const a = images['zidane.jpg'];
    const b: RawImage = { ...a, data: a.data.map((v, i) => (v * 7 + i) & 255) };
    const c: RawImage = { ...a, data: a.data.slice().reverse() };
    const frames = new Uint8Array(a.data.length * 3);
    [a, b, c].forEach((f, i) => frames.set(f.data, i * a.data.length));
    for (const options of [{ dtype: 'float16' as const }, { size: 320, layout: 'nhwc' as const }]) {
      const p = paramsOf(a, options);
      const out = emulated(frames, { ...p, batch: 3 });
      const item = p.outWidth * p.outHeight * 3;
      [a, b, c].forEach((f, i) => expect(bytes(out.subarray(i * item, (i + 1) * item)).equals(bytes(letterbox(f, options).data)), `frame ${i}`).toBe(true));
    }
  });

  it('equals the CPU letterbox on random frames, geometries, dtypes and layouts (linear, 2x area and copy paths)', () => {
    const r = rng(20240611);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const modes = { linear: 0, area: 0, copy: 0 };
    for (let it = 0; it < 150; it++) {
      const order = int(0, 4);
      const channels = [1, 3, 3, 4, 4][order];
      let width = int(1, 160);
      let height = int(1, 120);
      const mode = int(0, 3);
      if (mode === 1) {
        width = 2 * int(1, 80);
        height = 2 * int(1, 60);
      }
      const stride = width * channels + int(0, 7);
      const src = new Uint8Array(stride * height).map(() => int(0, 255));
      const [rw, rh] = mode === 0 ? [width, height] : mode === 1 ? [width / 2, height / 2] : [int(1, 200), int(1, 200)];
      const outW = rw + int(0, 40);
      const outH = rh + int(0, 40);
      const p: NativeLetterboxParams = {
        width, height, channels, stride, order,
        resizedWidth: rw, resizedHeight: rh, outWidth: outW, outHeight: outH,
        padLeft: int(0, outW - rw), padTop: int(0, outH - rh), padValue: int(0, 255),
        dtype: int(0, 2), layout: int(0, 1),
      };
      if (rw === width && rh === height) modes.copy++;
      else if (rw * 2 === width && rh * 2 === height) modes.area++;
      else modes.linear++;
      const cpu = new ARRAY[p.dtype](outW * outH * 3);
      addon().letterbox(src, p, cpu);
      expect(bytes(emulated(src, p)).equals(bytes(cpu)), JSON.stringify(p)).toBe(true);
    }
    expect(Math.min(modes.linear, modes.area, modes.copy)).toBeGreaterThan(10);
  });

  it('refuses arguments that do not fit, with ERR_BAD_INPUT', () => {
    const img = images['bus.jpg'];
    const p = paramsOf(img, {});
    const out = new Float32Array(640 * 640 * 3);
    expect(() => addon().letterboxEmulated!(img.data, { ...p, batch: 2 }, out)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(/src is shorter/) }));
    const frames = new Uint8Array(img.data.length * 2);
    expect(() => addon().letterboxEmulated!(frames, { ...p, batch: 2 }, out)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(/out is too small/) }));
    expect(() => addon().letterboxEmulated!(img.data, { ...p, padLeft: 200 }, out)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(/does not fit/) }));
  });
});
