/**
 * The CUDA decode + NMS kernels' code, run on the CPU by its host emulation (the same candidate, radix-select,
 * bitonic-sort and tiled-NMS functions the kernels run, block by block, thread by thread), against the CPU decode:
 * the same detections in the same order, on real model outputs and on random ones built to stress ties, NaN,
 * long candidate lists and every option. test/gpu/cuda-ops.test.ts runs the same cases on a device.
 */
import { describe, expect, it } from 'vitest';

import { addon } from '../../lib/native/binding.js';
import { DECODE_DEFAULTS, expectSameDetections, fixtureDecodeCases, randomDecodeCases, type DecodeCase } from '../helpers/kernel-cases.js';

/** Emulated twice: in append order and with the candidates shuffled, as the device's atomic appends may order them. */
function check(c: DecodeCase) {
  const a = expectSameDetections(c, addon().decodeEmulated!(c.data, { ...c.params, batch: c.batch }));
  expectSameDetections(c, addon().decodeEmulated!(c.data, { ...c.params, batch: c.batch }, 12345), `${c.label} (shuffled)`);
  return a;
}

const compiled = typeof addon().decodeEmulated === 'function';
if (!compiled) console.log('[unit] skipped the CUDA decode kernel code: this addon was built without the CUDA layer (no nvcc)');

describe.skipIf(!compiled)('CUDA decode + NMS kernel code (host emulation) against the CPU decode', () => {
  it('real outputs: yolov8n [1,84,8400] f32 and transposed, yolov5n [1,25200,85] f16, yolov10n/yolo26n [1,300,6], every option', async () => {
    const cases = await fixtureDecodeCases();
    const found: Record<string, number> = {};
    for (const c of cases) {
      const model = c.label.split(' ')[0];
      found[model] = (found[model] ?? 0) + check(c).detections;
    }
    expect(found.yolov8n).toBeGreaterThan(1000);
    expect(found.yolov5n).toBeGreaterThan(1000);
    expect(found['yolov10n_int8.onnx']).toBeGreaterThan(20);
    expect(found['yolo26n_int8.onnx']).toBeGreaterThan(20);
  });

  it('random outputs: ties, NaN, batches, float16, long candidate lists (radix select, several chunks), every option', () => {
    let detections = 0;
    let chunks = 0;
    for (const c of randomDecodeCases()) {
      const r = check(c);
      detections += r.detections;
      chunks = Math.max(chunks, r.chunks);
    }
    expect(detections).toBeGreaterThan(10000);
    // Thousands of candidates went through the radix select in several 2048-key chunks.
    expect(chunks).toBeGreaterThanOrEqual(3);
  });

  it('shapes with too few channels and empty outputs decode to nothing, as on the CPU', () => {
    expect(addon().decodeEmulated!(new Float32Array(0), { ...DECODE_DEFAULTS, cols: 0 })[0].scores.length).toBe(0);
    const none = addon().decodeEmulated!(new Float32Array(84 * 100), { ...DECODE_DEFAULTS, cols: 100 });
    expect(none[0].scores.length).toBe(0);
    expect(none[0].candidates).toBe(0);
    expect(() => addon().decodeEmulated!(new Float32Array(10), DECODE_DEFAULTS)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  });
});
