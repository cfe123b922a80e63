/**
 * `trtjs predict` on a model of each task: the JSON lines against the API's results (masks decoded back from their
 * RLE), the drawn copies against their source images, and the errors a user meets.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { Predictor, maskToRle, type InstanceMask, type TaskResult } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';
import { colourClassifier, obbModel, poseModel } from '../helpers/task-models.js';

const dir = mkdtempSync(join(tmpdir(), 'trtjs-cli-predict-'));
const seg = fixture('models/yolov8n-seg_int8_320.onnx');

/** Decodes a COCO uncompressed RLE (column-major) into a row-major 0/1 image, written from pycocotools' definition. */
function decodeRle(rle: { size: [number, number]; counts: number[] }): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(h * w);
  let p = 0;
  rle.counts.forEach((n, i) => {
    for (let k = 0; k < n; k++, p++) if (i % 2) out[(p % h) * w + Math.floor(p / h)] = 1;
  });
  expect(p).toBe(h * w);
  return out;
}

function fullMask(m: InstanceMask, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < m.height; y++) out.set(m.data.subarray(y * m.width, (y + 1) * m.width), (m.y + y) * w + m.x);
  return out;
}

/** Pixels (of every 7th) that differ by more than 40 in a channel between the drawn copy and its source. */
async function changed(drawn: string, source: string): Promise<number> {
  const [a, b] = await Promise.all([sharp(drawn).raw().toBuffer(), sharp(source).raw().toBuffer()]);
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i += 7) if (Math.abs(a[i] - b[i]) > 40) n++;
  return n;
}

describe('maskToRle', () => {
  it('encodes windows at every edge, empty and full masks, as pycocotools decodes them', () => {
    const rnd = (() => {
      let x = 12345;
      return () => {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        return x / 0x7fffffff;
      };
    })();
    const cases: Array<[InstanceMask, [number, number]]> = [
      [{ x: 1, y: 0, width: 1, height: 2, data: Uint8Array.of(1, 1) }, [3, 2]],
      [{ x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0) }, [4, 3]],
      [{ x: 0, y: 0, width: 4, height: 3, data: new Uint8Array(12).fill(1) }, [4, 3]],
    ];
    for (let k = 0; k < 50; k++) {
      const [W, H] = [1 + Math.floor(rnd() * 9), 1 + Math.floor(rnd() * 9)];
      const [x, y] = [Math.floor(rnd() * W), Math.floor(rnd() * H)];
      const [w, h] = [1 + Math.floor(rnd() * (W - x)), 1 + Math.floor(rnd() * (H - y))];
      cases.push([{ x, y, width: w, height: h, data: Uint8Array.from({ length: w * h }, () => (rnd() < 0.5 ? 1 : 0)) }, [W, H]]);
    }
    expect(maskToRle(cases[0][0], cases[0][1])).toEqual({ size: [2, 3], counts: [2, 2, 2] });
    expect(maskToRle(cases[1][0], cases[1][1]).counts).toEqual([12]);
    expect(maskToRle(cases[2][0], cases[2][1]).counts).toEqual([0, 12]);
    for (const [m, size] of cases) {
      const rle = maskToRle(m, size);
      expect(rle.counts.slice(1).every((c) => c > 0)).toBe(true);
      expect(Array.from(decodeRle(rle))).toEqual(Array.from(fullMask(m, ...size)));
    }
  });
});

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { detections: Array<Record<string, unknown>> });

async function api(model: string, image: string): Promise<TaskResult> {
  await using p = await Predictor.create(model);
  return p.predict(image);
}

describe('trtjs predict', () => {
  it('segment: JSON with boxes, polygons and RLE masks equal to the API; drawn copies with filled masks', async () => {
    const out = join(dir, 'seg');
    const images = [fixture('images/bus.jpg'), fixture('images/zidane.jpg')];
    const r = runCli(['predict', ...images, '-m', seg, '--json', '--save', out]);
    expect(r.status, r.stderr).toBe(0);
    const json = lines(r.stdout);
    expect(json.map((l) => l.task)).toEqual(['segment', 'segment']);
    for (const [i, image] of images.entries()) {
      const want = await api(seg, image);
      if (want.task !== 'segment') throw new Error('expected segment');
      const got = json[i];
      expect(got.image).toBe(image);
      expect(got.size).toEqual(want.sourceSize);
      expect(got.detections).toHaveLength(want.boxes.count);
      got.detections.forEach((d, k) => {
        expect(d.className).toBe(want.names[want.boxes.cls[k]]);
        (d.box as number[]).forEach((v, c) => {
          expect(Math.abs(v - want.boxes.xyxy[k * 4 + c])).toBeLessThanOrEqual(0.05);
        });
        expect((d.polygon as number[]).length).toBe(want.masks.xy[k].length);
        const rle = d.mask as { size: [number, number]; counts: number[] };
        expect(rle.size).toEqual([want.sourceSize[1], want.sourceSize[0]]);
        expect(Buffer.compare(Buffer.from(decodeRle(rle)), Buffer.from(fullMask(want.masks.data[k], ...want.sourceSize)))).toBe(0);
      });
      const drawn = join(out, image.split('/').pop()!);
      expect(existsSync(drawn)).toBe(true);
      expect(await changed(drawn, image)).toBeGreaterThan(2000);
      // Inside the first mask, away from outlines and labels, the picture is tinted, not replaced.
      const m = want.masks.data[0];
      const { data: a, info } = await sharp(drawn).raw().toBuffer({ resolveWithObject: true });
      const { data: b } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
      let tinted = 0;
      let inside = 0;
      for (let y = 0; y < m.height; y += 5) {
        for (let x = 0; x < m.width; x += 5) {
          if (!m.data[y * m.width + x]) continue;
          inside++;
          const o = ((m.y + y) * info.width + m.x + x) * 3;
          if (Math.abs(a[o] - b[o]) + Math.abs(a[o + 1] - b[o + 1]) + Math.abs(a[o + 2] - b[o + 2]) > 30) tinted++;
        }
      }
      expect(tinted / inside).toBeGreaterThan(0.8);
    }
    const table = runCli(['predict', images[0], '-m', seg, '--classes', 'person', '--retina-masks']);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/bus\.jpg: \d+ instances \([\d.]+ ms\)/);
    const rows = table.stdout.trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) expect(row).toMatch(/^\s+person\s+0\.\d\d\s+\[.*\]\s+mask \d+ px$/);
  });

  it('pose, obb and classify: JSON equal to the API, drawn keypoints, rotated boxes and top-5 labels', async () => {
    const gray = join(dir, 'gray.png');
    await sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 110, g: 110, b: 110 } } })
      .png()
      .toFile(gray);
    const blue = join(dir, 'blue.png');
    await sharp({ create: { width: 90, height: 60, channels: 3, background: { r: 20, g: 40, b: 230 } } })
      .png()
      .toFile(blue);
    const models = {
      pose: join(dir, 'pose.onnx'),
      obb: join(dir, 'obb.onnx'),
      classify: join(dir, 'classify.onnx'),
    };
    writeFileSync(models.pose, poseModel(64));
    writeFileSync(models.obb, obbModel(64));
    writeFileSync(models.classify, colourClassifier({ size: 32 }));
    const out = join(dir, 'tasks');
    for (const [task, model] of Object.entries(models)) {
      const image = task === 'classify' ? blue : gray;
      const r = runCli(['predict', image, '-m', model, '--json', '--save', join(out, task)]);
      expect(r.status, r.stderr).toBe(0);
      const [got] = lines(r.stdout);
      expect(got.task).toBe(task);
      const want = await api(model, image);
      if (want.task === 'pose') {
        expect(got.detections).toHaveLength(1);
        const k = got.detections[0].keypoints as number[][];
        expect(k).toHaveLength(17);
        k.forEach((p, j) => {
          p.forEach((v, c) => {
            expect(Math.abs(v - want.keypoints.data[j * 3 + c])).toBeLessThanOrEqual(0.05);
          });
        });
      } else if (want.task === 'obb') {
        expect(got.detections.map((d) => d.className)).toEqual(['plane', 'ship']);
        got.detections.forEach((d, i) => {
          (d.xywhr as number[]).forEach((v, c) => {
            expect(Math.abs(v - want.obb.xywhr[i * 5 + c])).toBeLessThanOrEqual(0.05);
          });
          (d.corners as number[]).forEach((v, c) => {
            expect(Math.abs(v - want.obb.xyxyxyxy[i * 8 + c])).toBeLessThanOrEqual(0.05);
          });
        });
      } else if (want.task === 'classify') {
        const top5 = got.top5 as Array<{ className: string; score: number }>;
        expect(top5.map((t) => t.className)).toEqual(want.probs.top5.map((c) => want.names[c]));
        expect(top5[0].className).toBe('blue');
        expect(Math.abs(top5[0].score - want.probs.top1conf)).toBeLessThan(1e-4);
      }
      const drawn = join(out, task, `${image.split('/').pop()}`);
      expect(await changed(drawn, image), task).toBeGreaterThan(30);
      if (task === 'pose') {
        // Keypoint 12 (left hip) is at (0.5, 0.51) x 64 in the input: ((32 - 0) / 0.5, (32.64 - 8) / 0.5) = (64, 49.3)
        // in the source, drawn in Ultralytics' pose colour for it, #3399FF.
        const { data, info } = await sharp(drawn).raw().toBuffer({ resolveWithObject: true });
        const o = (49 * info.width + 64) * 3;
        [51, 153, 255].forEach((v, c) => {
          expect(Math.abs(data[o + c] - v)).toBeLessThanOrEqual(10);
        });
      }
      const table = runCli(['predict', image, '-m', model]);
      expect(table.status, table.stderr).toBe(0);
      expect(table.stdout).toMatch(
        {
          pose: /1 poses[\s\S]*person\s+0\.90 .*16\/17 keypoints/,
          obb: /2 rotated boxes[\s\S]*plane\s+0\.90 .*28\.6 deg/,
          classify: /blue \d\.\d\d[\s\S]*\n\s+blue\s+\d\.\d\d\n\s+green/,
        }[task]!,
      );
    }
  });

  it('refuses what does not fit the model in one line, and goes on past bad images', async () => {
    const model = join(dir, 'classify-flags.onnx');
    writeFileSync(model, colourClassifier({ size: 32 }));
    const classes = runCli(['predict', fixture('images/bus.jpg'), '-m', model, '--classes', '0']);
    expect(classes.status).toBe(1);
    expect(classes.stderr).toBe(
      'trtjs: --classes: a classify model gives class probabilities, not detections to filter; leave --classes out [ERR_BAD_INPUT]\n',
    );
    const detect = runCli(['detect', fixture('images/bus.jpg'), '-m', seg]);
    expect(detect.status).toBe(1);
    expect(detect.stderr).toBe(
      `trtjs: detect: ${seg} is a segment model; \`trtjs detect\` is for detect models, use \`trtjs predict\` (it draws and prints segment results) [ERR_BAD_MODEL]\n`,
    );
    const unknown = runCli(['predict', fixture('images/bus.jpg'), '-m', seg, '--classes', 'persons']);
    expect(unknown.stderr).toBe("trtjs: --classes: the model has no class named 'persons' (did you mean 'person'?) [ERR_BAD_INPUT]\n");
    const bad = runCli(['predict', '/nope.jpg', fixture('images/bus.jpg'), '-m', model, '--json']);
    expect(bad.status).toBe(1);
    const [first, second] = lines(bad.stdout);
    expect(first).toEqual({ image: '/nope.jpg', error: { code: 'ERR_BAD_INPUT', message: 'loadImage: cannot read /nope.jpg: no such file' } });
    expect(second.task).toBe('classify');
    expect(bad.stderr.trim().split('\n')).toEqual(['trtjs: loadImage: cannot read /nope.jpg: no such file [ERR_BAD_INPUT]', 'trtjs: 1 of 2 images failed']);
  });
});
