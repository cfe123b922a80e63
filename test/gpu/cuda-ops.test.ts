/**
 * The CUDA letterbox and decode + NMS kernels on a real device, against the CPU ops: the same cases the unit tier
 * runs through the kernels' host emulation (test/unit/cuda-*.test.ts), now with the device's arithmetic, its
 * concurrency (atomics, barriers, shared memory) and its memory. Skips with the reason where no CUDA device is
 * usable; TRTJS_REQUIRE=gpu makes that a failure.
 */
import { expect, it } from 'vitest';

import { deviceMemory, letterbox } from '../../lib/index.js';
import { addon } from '../../lib/native/binding.js';
import {
  bytes,
  cpuLetterbox,
  expectSameDetections,
  fixtureDecodeCases,
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
import { describeTier, tierStatus } from '../helpers/tiers.js';

const gpu = await tierStatus('gpu');

async function onDevice(src: Uint8Array, p: LetterboxParams) {
  const out = outputFor(p);
  await addon().letterboxDevice!(src, p, out);
  return out;
}

describeTier(gpu, 'CUDA letterbox and decode + NMS kernels on the device', () => {
  it('the addon carries the kernels', () => {
    expect(typeof addon().letterboxDevice).toBe('function');
    expect(typeof addon().decodeDevice).toBe('function');
  });

  it(`letterbox: OpenCV's bytes on all ${letterboxReference.cases.length} option combinations`, async () => {
    const images = await fixtureImages();
    for (const c of letterboxReference.cases) {
      const img = images[c.image];
      expect(sha256(await onDevice(img.data, letterboxParams(img, c.options))), `${c.image} ${JSON.stringify(c.options)}`).toBe(c.sha256);
    }
  });

  it('letterbox: the CPU letterbox from every pixel order, a row stride, a batch and random geometries', async () => {
    const images = await fixtureImages();
    for (const order of ['gray', 'bgr', 'rgba', 'bgra'] as const) {
      const src = reorder(images['zidane.jpg'], order);
      for (const c of letterboxReference.cases.filter((x) => x.image === 'zidane.jpg').slice(0, 8)) {
        expect(
          bytes(await onDevice(src.data, letterboxParams(src, c.options))).equals(bytes(letterbox(src, c.options).data)),
          `${order} ${JSON.stringify(c.options)}`,
        ).toBe(true);
      }
    }
    const s = strided(images['bus.jpg']);
    expect(bytes(await onDevice(s.data, letterboxParams(s, {})))).toEqual(bytes(letterbox(s).data));
    const { frames, images: batch } = frameBatch(images['zidane.jpg']);
    const p = letterboxParams(batch[0], { dtype: 'float16' });
    const out = await onDevice(frames, { ...p, batch: batch.length });
    const item = p.outWidth * p.outHeight * 3;
    batch.forEach((f, i) => {
      expect(bytes(out.subarray(i * item, (i + 1) * item)).equals(bytes(letterbox(f, { dtype: 'float16' }).data)), `frame ${i}`).toBe(true);
    });
    for (const c of randomLetterboxCases(20240611, 150)) {
      expect(bytes(await onDevice(c.src, c.params)).equals(bytes(cpuLetterbox(c.src, c.params))), JSON.stringify(c.params)).toBe(true);
    }
  });

  it('decode + NMS: the CPU decode on real outputs of every head, every option', async () => {
    let detections = 0;
    for (const c of await fixtureDecodeCases()) {
      const r = await addon().decodeDevice!(c.data, { ...c.params, batch: c.batch });
      detections += expectSameDetections(c, r.items).detections;
    }
    expect(detections).toBeGreaterThan(2000);
  });

  it('decode + NMS: the CPU decode on random outputs (ties, NaN, batches, several chunks), also when repeated', async () => {
    let chunks = 0;
    for (const c of randomDecodeCases()) {
      // Several launches on one stream: the atomics order candidates differently each time, the results may not differ.
      const r = await addon().decodeDevice!(c.data, { ...c.params, batch: c.batch }, { iterations: 3 });
      chunks = Math.max(chunks, expectSameDetections(c, r.items).chunks);
    }
    expect(chunks).toBeGreaterThanOrEqual(3);
  });

  it('device memory returns to where it started after many runs', async () => {
    const images = await fixtureImages();
    const img = images['bus.jpg'];
    const p = letterboxParams(img, {});
    const [c] = randomDecodeCases();
    const runs = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await onDevice(img.data, p);
        await addon().decodeDevice!(c.data, { ...c.params, batch: c.batch });
      }
    };
    await runs(5);
    const before = (await deviceMemory()).free;
    await runs(200);
    const after = (await deviceMemory()).free;
    // The runtime's allocator may keep a little; a leak of these buffers would be 200 x several MB.
    expect(before - after).toBeLessThan(32 << 20);
  });

  it('a bad device index rejects with ERR_CUDA naming the CUDA error; the device keeps working', async () => {
    const img = (await fixtureImages())['bus.jpg'];
    const p = letterboxParams(img, {});
    await expect(addon().letterboxDevice!(img.data, p, outputFor(p), { device: 1000 })).rejects.toMatchObject({
      code: 'ERR_CUDA',
      message: /cudaSetDevice: cudaErrorInvalidDevice/,
    });
    expect(sha256(await onDevice(img.data, p))).toBe(
      letterboxReference.cases.find((x) => x.image === 'bus.jpg' && Object.keys(x.options).length === 0)!.sha256,
    );
  });
});
