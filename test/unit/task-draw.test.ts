import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { drawResult, probsOf, xywhr2xyxyxyxy, type RawImage, type TaskResult } from '../../lib/index.js';

const dir = mkdtempSync(join(tmpdir(), 'trtjs-draw-'));
const gray: RawImage = { data: new Uint8Array(200 * 120 * 3).fill(128), width: 200, height: 120, channels: 3, order: 'rgb' };
const names = ['person', 'bicycle'];

async function draw(result: TaskResult, name: string): Promise<(x: number, y: number) => number[]> {
  const out = join(dir, `${name}.png`);
  await drawResult(gray, result, out);
  const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([200, 120]);
  return (x, y) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
}

const boxes = (xyxy: number[], cls: number[]) => ({
  count: cls.length,
  xyxy: Float32Array.from(xyxy),
  conf: new Float32Array(cls.length).fill(0.9),
  cls: Int32Array.from(cls),
});

describe('drawing task results', () => {
  it('segment: fills the mask half-transparently in its class colour and leaves the rest of the image alone', async () => {
    const mask = { x: 100, y: 60, width: 40, height: 30, data: new Uint8Array(40 * 30).fill(1) };
    const px = await draw(
      {
        task: 'segment',
        sourceSize: [200, 120],
        names,
        boxes: boxes([95, 55, 145, 95], [1]),
        masks: { imageSize: [200, 120], data: [mask], xy: [Float32Array.of(100, 60, 100, 89, 139, 89, 139, 60)] },
      },
      'segment',
    );
    // Class 1 is #FF9D97; alpha 0.5 over gray 128.
    const inside = px(120, 75);
    [255, 157, 151].forEach((c, k) => {
      expect(Math.abs(inside[k] - (128 * 0.5 + c * 0.5))).toBeLessThanOrEqual(2);
    });
    expect(px(20, 100)).toEqual([128, 128, 128]);
  });

  it('pose: draws keypoints in their COCO colours and skips invisible ones', async () => {
    const data = new Float32Array(17 * 3);
    data.set([60, 60, 0.9], 0); // nose: pose palette 16 (#00FF00)
    data.set([150, 60, 0.1], 3); // left eye, not visible
    const px = await draw(
      {
        task: 'pose',
        sourceSize: [200, 120],
        names,
        boxes: boxes([40, 40, 170, 110], [0]),
        keypoints: { count: 1, shape: [17, 3], data, xy: new Float32Array(34), conf: null },
      },
      'pose',
    );
    expect(px(60, 60)).toEqual([0, 255, 0]);
    expect(px(150, 60)).toEqual([128, 128, 128]);
  });

  it('obb: draws the rotated outline and not the inside', async () => {
    const xywhr = Float32Array.of(100, 60, 80, 40, 0.5);
    const px = await draw(
      {
        task: 'obb',
        sourceSize: [200, 120],
        names,
        obb: { count: 1, xywhr, xyxyxyxy: xywhr2xyxyxyxy(xywhr), conf: Float32Array.of(0.9), cls: Int32Array.of(0) },
      },
      'obb',
    );
    const c = xywhr2xyxyxyxy(xywhr);
    const mid = [Math.round((c[0] + c[2]) / 2), Math.round((c[1] + c[3]) / 2)]; // middle of the first edge
    expect(px(mid[0], mid[1])[0]).toBeGreaterThan(200); // #FF3838
    expect(px(100, 60)).toEqual([128, 128, 128]);
  });

  it('classify: writes the top-5 in the top-left corner', async () => {
    const px = await draw(
      { task: 'classify', sourceSize: [200, 120], names: ['a', 'b', 'c', 'd', 'e', 'f'], probs: probsOf(Float32Array.of(0.5, 0.1, 0.1, 0.1, 0.1, 0.1)) },
      'classify',
    );
    let changed = 0;
    for (let y = 0; y < 40; y++) for (let x = 0; x < 60; x++) if (px(x, y).join() !== '128,128,128') changed++;
    expect(changed).toBeGreaterThan(200);
    expect(px(190, 110)).toEqual([128, 128, 128]);
  });

  it('refuses a result drawn on an image of another size', async () => {
    const r: TaskResult = { task: 'detect', sourceSize: [640, 480], names, boxes: boxes([], []) };
    await expect(drawResult(gray, r, join(dir, 'x.png'))).rejects.toThrow(
      /drawResult: result.sourceSize must be \[200, 120\] \(the image's size\), received an array of length 2/,
    );
    await expect(drawResult(gray, r, '')).rejects.toThrow(/drawResult: out must be an output file path, received ""/);
  });
});
