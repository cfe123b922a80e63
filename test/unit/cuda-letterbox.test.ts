/**
 * The CUDA letterbox kernel's code, run on the CPU by its host emulation (the same tile function the kernel runs,
 * block by block, thread by thread), against OpenCV's bytes and the CPU letterbox: CI has no GPU, so this is where
 * the kernel's arithmetic is tested. test/gpu/cuda-ops.test.ts runs the same cases on a device.
 */
import { describe, expect, it } from 'vitest';

import { capabilities, letterbox } from '../../lib/index.js';
import { addon, type NativeDeviceDetections } from '../../lib/native/binding.js';
import {
  bytes,
  cpuLetterbox,
  DECODE_DEFAULTS,
  expectSameDetections,
  fixtureImages,
  frameBatch,
  letterboxParams,
  letterboxReference,
  outputFor,
  randomDecodeCases,
  randomLetterboxCases,
  reorder,
  sha256,
  strided,
  type LetterboxParams,
} from '../helpers/kernel-cases.js';

const images = await fixtureImages();

function emulated(src: Uint8Array, p: LetterboxParams) {
  const out = outputFor(p);
  addon().letterboxEmulated!(src, p, out);
  return out;
}

const compiled = typeof addon().letterboxEmulated === 'function';
if (!compiled) console.log('[unit] skipped the CUDA letterbox kernel code: this addon was built without the CUDA layer (no nvcc)');

describe.skipIf(!compiled)('CUDA letterbox kernel code (host emulation) against OpenCV and the CPU letterbox', () => {
  it(`gives OpenCV's bytes on all ${letterboxReference.cases.length} option combinations`, () => {
    expect(letterboxReference.cases.length).toBe(44);
    for (const c of letterboxReference.cases) {
      const img = images[c.image];
      expect(sha256(emulated(img.data, letterboxParams(img, c.options))), `${c.image} ${JSON.stringify(c.options)}`).toBe(c.sha256);
    }
  });

  it('equals the CPU letterbox from gray, BGR, RGBA and BGRA sources and with a row stride', () => {
    for (const order of ['gray', 'bgr', 'rgba', 'bgra'] as const) {
      const src = reorder(images['zidane.jpg'], order);
      for (const c of letterboxReference.cases.filter((x) => x.image === 'zidane.jpg').slice(0, 8)) {
        const same = bytes(emulated(src.data, letterboxParams(src, c.options))).equals(bytes(letterbox(src, c.options).data));
        expect(same, `${order} ${JSON.stringify(c.options)}`).toBe(true);
      }
    }
    const s = strided(images['bus.jpg']);
    const plain = letterboxReference.cases.find((c) => c.image === 'bus.jpg' && Object.keys(c.options).length === 0)!;
    expect(sha256(emulated(s.data, letterboxParams(s, {})))).toBe(plain.sha256);
  });

  it('letterboxes a batch of frames into consecutive tensors', () => {
    const { frames, images: batch } = frameBatch(images['zidane.jpg']);
    for (const options of [{ dtype: 'float16' as const }, { size: 320, layout: 'nhwc' as const }]) {
      const p = letterboxParams(batch[0], options);
      const out = emulated(frames, { ...p, batch: batch.length });
      const item = p.outWidth * p.outHeight * 3;
      batch.forEach((f, i) => {
        expect(bytes(out.subarray(i * item, (i + 1) * item)).equals(bytes(letterbox(f, options).data)), `frame ${i}`).toBe(true);
      });
    }
  });

  it('equals the CPU letterbox on random frames, geometries, dtypes and layouts (linear, 2x area and copy paths)', () => {
    const cases = randomLetterboxCases(20240611, 150);
    for (const mode of ['linear', 'area', 'copy']) expect(cases.filter((c) => c.mode === mode).length, mode).toBeGreaterThan(10);
    for (const c of cases) expect(bytes(emulated(c.src, c.params)).equals(bytes(cpuLetterbox(c.src, c.params))), JSON.stringify(c.params)).toBe(true);
  });

  it('refuses arguments that do not fit, with ERR_BAD_INPUT', () => {
    const img = images['bus.jpg'];
    const p = letterboxParams(img, {});
    const out = new Float32Array(640 * 640 * 3);
    const bad = (src: Uint8Array, params: LetterboxParams, message: RegExp) =>
      expect(() => addon().letterboxEmulated!(src, params, out)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(message) }),
      );
    bad(img.data, { ...p, batch: 2 }, /src is shorter/);
    bad(new Uint8Array(img.data.length * 2), { ...p, batch: 2 }, /out is too small/);
    bad(img.data, { ...p, padLeft: 200 }, /does not fit/);
  });
});

const caps = await capabilities();
const noDevice = compiled && !caps.cuda.available;
if (compiled && !noDevice) console.log('[unit] skipped the no-device error test of the CUDA kernels: a CUDA device is usable here (the gpu tier runs them)');

describe.skipIf(!noDevice)('CUDA kernels on a machine without a usable device', () => {
  it('device runs reject with ERR_CUDA and the CUDA error name; the CPU paths keep working', async () => {
    const img = images['bus.jpg'];
    const p = letterboxParams(img, {});
    const error = { code: 'ERR_CUDA', message: expect.stringMatching(/^cudaSetDevice: cuda\w+: /) };
    await expect(addon().letterboxDevice!(img.data, p, outputFor(p))).rejects.toMatchObject(error);
    await expect(addon().decodeDevice!(new Float32Array(84 * 8400), DECODE_DEFAULTS)).rejects.toMatchObject(error);
    expect(sha256(emulated(img.data, p))).toBe(sha256(letterbox(img).data));
  });
});

/** Moves the array's memory to a new owner and drops it: the view is detached, the memory the collector's to free. */
function transferAway<T extends ArrayBufferView>(a: T): T {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  expect(a.byteLength).toBe(0);
  return a;
}

describe.skipIf(!compiled)('CUDA device runs never touch memory JavaScript may free (letterboxDevice, decodeDevice)', () => {
  it('refuse detached inputs and outputs with ERR_BAD_INPUT before anything is queued', () => {
    const img = images['bus.jpg'];
    const p = letterboxParams(img, {});
    const bad = (call: () => unknown, message: RegExp) =>
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(message) }));
    bad(() => addon().letterboxDevice!(transferAway(new Uint8Array(img.data)), p, outputFor(p)), /src is shorter/);
    bad(() => addon().letterboxDevice!(img.data, p, transferAway(outputFor(p))), /out is too small/);
    bad(() => addon().decodeDevice!(transferAway(new Float32Array(84 * 8400)), DECODE_DEFAULTS), /data length does not match/);
  });

  it('copy what they read before queuing and write `out` only while it is attached: inputs and outputs transferred mid-run', async () => {
    const img = images['bus.jpg'];
    const p = letterboxParams(img, {});
    const expected = emulated(img.data, p);
    const c = randomDecodeCases()[0];
    const data = c.data.slice();
    const classes = Int32Array.from([0, 2, 5]);
    const params = { ...c.params, classes, batch: c.batch };
    const expectedCase = { ...c, label: `${c.label} transferred mid-run`, params: { ...c.params, classes: classes.slice() } };

    const out = outputFor(p);
    const src = new Uint8Array(img.data); // a plain copy: the image's Buffer cannot be transferred
    const srcMoved = addon().letterboxDevice!(src, p, out);
    transferAway(src);
    const outMoved = outputFor(p);
    const outPending = addon().letterboxDevice!(img.data, p, outMoved);
    transferAway(outMoved);
    const decodePending = addon().decodeDevice!(data, params);
    transferAway(data);
    transferAway(classes);
    const settled = await Promise.allSettled([srcMoved, outPending, decodePending]);
    if (noDevice) {
      // No device to run on: each still settles with the CUDA error, having read nothing the caller could free.
      for (const s of settled) expect(s).toMatchObject({ status: 'rejected', reason: { code: 'ERR_CUDA' } });
      return;
    }
    expect(settled[0].status).toBe('fulfilled');
    expect(sha256(out)).toBe(sha256(expected));
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_BAD_INPUT', message: expect.stringMatching(/out was detached/) } });
    expect(settled[2].status).toBe('fulfilled');
    expectSameDetections(expectedCase, (settled[2] as PromiseFulfilledResult<{ items: NativeDeviceDetections[] }>).value.items);
  });
});
