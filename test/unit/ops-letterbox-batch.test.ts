import { describe, expect, it } from 'vitest';

import { letterbox, letterboxBatchAsync, loadImage, type RawImage } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';

const zidane = await loadImage(fixture('images/zidane.jpg'));
const bus = await loadImage(fixture('images/bus.jpg'));
const same = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('letterboxBatchAsync', () => {
  it('letterboxes each image into its slice of one batch tensor, as letterbox does alone', async () => {
    const frames: RawImage[] = [zidane, bus, { ...zidane, data: zidane.data.map((v) => 255 - v) }, bus];
    for (const options of [
      {},
      { dtype: 'float16' as const, size: 320 },
      { layout: 'nhwc' as const, dtype: 'uint8' as const, size: [384, 640] as [number, number] },
    ]) {
      const batch = await letterboxBatchAsync(frames, options);
      const one = frames.map((f) => letterbox(f, options));
      expect(batch.shape).toEqual([4, ...one[0].shape.slice(1)]);
      expect(batch.data.length).toBe(4 * one[0].data.length);
      expect(batch.layout).toBe(one[0].layout);
      batch.items.forEach((item, i) => {
        expect(item.data.buffer).toBe(batch.data.buffer);
        expect(item.data.byteOffset).toBe(batch.data.byteOffset + i * one[0].data.byteLength);
        expect(same(item.data, one[i].data), `image ${i} ${JSON.stringify(options)}`).toBe(true);
        expect([item.scale, item.pad, item.resized, item.sourceSize]).toEqual([one[i].scale, one[i].pad, one[i].resized, one[i].sourceSize]);
      });
    }
  });

  it('writes into a caller-provided batch array', async () => {
    const out = new Float32Array(2 * 3 * 640 * 640 + 7).fill(-1);
    const batch = await letterboxBatchAsync([bus, zidane], { out });
    expect(batch.data.buffer).toBe(out.buffer);
    expect(same(batch.items[1].data, letterbox(zidane).data)).toBe(true);
    expect(out[out.length - 1]).toBe(-1);
  });

  it('rejects batches whose images letterbox to different sizes, and bad input, with ERR_BAD_INPUT', async () => {
    await expect(letterboxBatchAsync([zidane, bus], { auto: true })).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: expect.stringMatching(
        /letterboxBatchAsync: images\[1\] must be an image that letterboxes to 640x384 like images\[0\] \(it gives 480x640; use auto: false\), received "810x1080"/,
      ),
    });
    await expect(letterboxBatchAsync([])).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: /letterboxBatchAsync: images must be a non-empty array/ });
    await expect(letterboxBatchAsync([zidane, { ...bus, width: 0 }])).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: /letterboxBatchAsync: images\[1\].width must be an integer/,
    });
    await expect(letterboxBatchAsync([zidane], { out: new Float32Array(10) })).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: /letterboxBatchAsync: options.out must be at least 1228800 elements for 1 images/,
    });
  });
});
