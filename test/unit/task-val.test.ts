import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import {
  ClassifyMetrics,
  groundTruthMasks,
  keypointOks,
  labelRboxes,
  letterbox,
  letterboxFrame,
  loadImage,
  minAreaRect,
  ObbMetrics,
  OKS_SIGMA,
  PoseMetrics,
  probiou,
  readClassifyDataset,
  readYoloDataset,
  resampleSegment,
  SegmentMetrics,
  toPixelBoxes,
  val,
  type LabeledImage,
  type LetterboxFrame,
  type MaskSet,
} from '../../lib/index.js';
import { coco128Seg, fixture } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';
import { namesLiteral } from '../helpers/task-models.js';

const f32 = Math.fround;
/** Ultralytics' AP of a perfect ranking: 101-point interpolation ends at the trailing sentinel's precision 0. */
const PERFECT = 0.995;

interface Loaded {
  item: LabeledImage;
  size: [number, number];
  frame: LetterboxFrame;
}

async function load(yaml: string, root: string, task: 'segment' | 'pose' | 'obb'): Promise<Loaded[]> {
  const ds = readYoloDataset(fixture(yaml), { root: fixture(root), task });
  return Promise.all(
    ds.images.map(async (item) => {
      const raw = await loadImage(item.image);
      return { item, size: [raw.width, raw.height] as [number, number], frame: letterboxFrame(letterbox(raw, { size: 640, dtype: 'uint8' })) };
    }),
  );
}

const classesWithLabels = (images: Loaded[]) => new Set(images.flatMap((i) => Array.from(i.item.labels.classes)));
const scores = (n: number) => Float32Array.from({ length: n }, (_, i) => 0.9 - 0.01 * i);

describe('segment val on coco8-seg with predictions made from the labels', async () => {
  const images = await load('coco8-seg/coco8-seg.yaml', 'coco8-seg', 'segment');
  const present = classesWithLabels(images);

  /** Each label's own ground-truth mask, in label order. */
  const ownMasks = (l: Loaded): MaskSet => {
    const gt = groundTruthMasks(l.item.labels, l.frame);
    return { size: gt.masks.size, masks: l.item.labels.classes.length ? Array.from(l.item.labels.classes, (_, i) => gt.masks.masks[gt.order.indexOf(i)]) : [] };
  };

  function evaluate(edit: (l: Loaded, boxes: Float32Array, masks: MaskSet) => { boxes: Float32Array; masks: MaskSet; keep: (i: number) => boolean }) {
    const m = new SegmentMetrics(80);
    for (const l of images) {
      const truth = toPixelBoxes(l.item.labels, l.size[0], l.size[1]);
      const e = edit(l, Float32Array.from(truth), ownMasks(l));
      const idx = Array.from(l.item.labels.classes.keys()).filter(e.keep);
      m.add(
        {
          boxes: Float32Array.from(idx.flatMap((i) => Array.from(e.boxes.subarray(i * 4, i * 4 + 4)))),
          scores: scores(idx.length),
          classes: Int32Array.from(idx, (i) => l.item.labels.classes[i]),
          masks: { size: e.masks.size, masks: idx.map((i) => e.masks.masks[i]) },
        },
        l.item.labels,
        truth,
        l.frame,
      );
    }
    return m.result();
  }

  it(`labels as predictions: box and mask mAP50-95 = mAP50 = ${PERFECT} (Ultralytics' perfect score)`, () => {
    const r = evaluate((_l, boxes, masks) => ({ boxes, masks, keep: () => true }));
    expect(r.box.instances).toBe(17);
    for (const m of [r.box, r.masks]) {
      expect(m.map5095).toBeCloseTo(PERFECT, 10);
      expect(m.map50).toBeCloseTo(PERFECT, 10);
      expect(m.precision).toBeCloseTo(1, 6);
      expect(m.recall).toBeCloseTo(1, 6);
    }
  });

  it('predictions of some classes missing: mAP scales by the classes still found', () => {
    const dropped = [...present].sort((a, b) => a - b).filter((_, k) => k % 2 === 0);
    const r = evaluate((l, boxes, masks) => ({ boxes, masks, keep: (i) => !dropped.includes(l.item.labels.classes[i]) }));
    const expected = (PERFECT * (present.size - dropped.length)) / present.size;
    expect(r.box.map5095).toBeCloseTo(expected, 10);
    expect(r.masks.map5095).toBeCloseTo(expected, 10);
    expect(r.masks.map50).toBeCloseTo(expected, 10);
  });

  it('boxes shrunk to IoU 0.72 with their labels: box mAP50 stays, mAP50-95 halves; masks untouched', () => {
    const r = evaluate((_l, boxes, masks) => {
      const out = Float32Array.from(boxes);
      const s = Math.sqrt(0.72);
      for (let i = 0; i < out.length; i += 4) {
        const [cx, cy, w, h] = [(boxes[i] + boxes[i + 2]) / 2, (boxes[i + 1] + boxes[i + 3]) / 2, boxes[i + 2] - boxes[i], boxes[i + 3] - boxes[i + 1]];
        out.set([cx - (w * s) / 2, cy - (h * s) / 2, cx + (w * s) / 2, cy + (h * s) / 2], i);
      }
      return { boxes: out, masks, keep: () => true };
    });
    expect(r.box.map50).toBeCloseTo(PERFECT, 10);
    expect(r.box.map5095).toBeCloseTo(PERFECT * 0.5, 10); // true positives at 0.50, 0.55, 0.60, 0.65, 0.70
    expect(r.masks.map5095).toBeCloseTo(PERFECT, 10);
  });

  it('empty predicted masks: mask mAP 0, box mAP unchanged', () => {
    const r = evaluate((_l, boxes, masks) => ({
      boxes,
      masks: { size: masks.size, masks: masks.masks.map(() => ({ x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0) })) },
      keep: () => true,
    }));
    expect(r.box.map5095).toBeCloseTo(PERFECT, 10);
    expect(r.masks.map5095).toBe(0);
  });

  it('resamples polygons to 1000 points keeping their vertices, and builds masks at 1/4 of the input', () => {
    const s = images[0].item.labels.segments![0];
    const r = resampleSegment(s, 1000);
    expect(r.length).toBe(2000);
    const pts = new Set(Array.from({ length: 1000 }, (_, i) => `${r[2 * i]},${r[2 * i + 1]}`));
    for (let k = 0; k < s.length; k += 2) expect(pts.has(`${s[k]},${s[k + 1]}`)).toBe(true);
    expect(groundTruthMasks(images[0].item.labels, images[0].frame).masks.size).toEqual([160, 160]);
  });
});

describe('pose val on coco8-pose with predictions made from the labels', async () => {
  const images = await load('coco8-pose/coco8-pose.yaml', 'coco8-pose', 'pose');

  function evaluate(oks: number | undefined) {
    const m = new PoseMetrics([17, 3], 1);
    for (const l of images) {
      const [w, h] = l.size;
      const truth = toPixelBoxes(l.item.labels, w, h);
      const n = l.item.labels.classes.length;
      const k = Float32Array.from(l.item.labels.keypoints!, (v, i) => (i % 3 === 0 ? f32(v * w) : i % 3 === 1 ? f32(v * h) : v));
      if (oks !== undefined) {
        // Move every visible keypoint so that exp(-e) = oks for each: d² = -ln(oks) (2σ)² area 2, area = 0.53 w h.
        for (let i = 0; i < n; i++) {
          const area = (truth[i * 4 + 2] - truth[i * 4]) * (truth[i * 4 + 3] - truth[i * 4 + 1]) * 0.53;
          for (let j = 0; j < 17; j++) {
            const at = (i * 17 + j) * 3;
            if (k[at + 2] === 0) continue;
            const d = Math.sqrt(-Math.log(oks) * (2 * OKS_SIGMA[j]) ** 2 * area * 2);
            k[at] = k[at] + d <= w ? k[at] + d : k[at] - d;
          }
        }
      }
      m.add({ boxes: truth, scores: scores(n), classes: l.item.labels.classes, keypoints: k }, l.item.labels, truth, l.size);
    }
    return m.result();
  }

  it(`labels as predictions: box and pose mAP = ${PERFECT}`, () => {
    const r = evaluate(undefined);
    expect(r.box.instances).toBe(14);
    expect(r.pose.map5095).toBeCloseTo(PERFECT, 10);
    expect(r.pose.map50).toBeCloseTo(PERFECT, 10);
    expect(r.box.map5095).toBeCloseTo(PERFECT, 10);
  });

  it('keypoints moved to OKS 0.72: pose mAP50 stays, pose mAP50-95 halves, boxes unchanged', () => {
    const r = evaluate(0.72);
    expect(r.pose.map50).toBeCloseTo(PERFECT, 10);
    expect(r.pose.map5095).toBeCloseTo(PERFECT * 0.5, 10);
    expect(r.box.map5095).toBeCloseTo(PERFECT, 10);
  });

  it('OKS agrees with its definition in double precision', () => {
    const truth = Float32Array.of(10, 10, 2, 50, 50, 0, 30, 40, 1);
    const pred = Float32Array.of(12, 11, 0.9, 0, 0, 0.1, 35, 40, 0.5, 10, 10, 1, 50, 50, 1, 30, 40, 1);
    const sig = [0.2, 0.3, 0.4];
    const got = keypointOks(truth, pred, Float32Array.of(100), sig);
    const ref = [0, 1].map((p) => {
      const vis = [0, 2];
      return (
        vis.reduce(
          (a, j) =>
            a + Math.exp(-((truth[j * 3] - pred[(p * 3 + j) * 3]) ** 2 + (truth[j * 3 + 1] - pred[(p * 3 + j) * 3 + 1]) ** 2) / ((2 * sig[j]) ** 2 * 100 * 2)),
          0,
        ) / vis.length
      );
    });
    expect(got[0]).toBeCloseTo(ref[0], 6);
    expect(got[1]).toBeCloseTo(1, 6);
  });
});

describe('obb val on dota8 with predictions made from the labels', async () => {
  const images = await load('dota8/dota8.yaml', 'dota8', 'obb');

  function evaluate(scale: number) {
    const m = new ObbMetrics(15);
    for (const l of images) {
      const r = labelRboxes(l.item.labels, l.size);
      for (let i = 0; i < r.length; i += 5) {
        r[i + 2] *= scale;
        r[i + 3] *= scale;
      }
      m.add({ xywhr: r, scores: scores(l.item.labels.classes.length), classes: l.item.labels.classes }, l.item.labels, l.size);
    }
    return m.result();
  }

  it(`labels as predictions: rotated-box mAP = ${PERFECT}`, () => {
    const r = evaluate(1);
    expect(r.instances).toBe(images.reduce((n, l) => n + l.item.labels.classes.length, 0));
    expect(r.map5095).toBeCloseTo(PERFECT, 10);
    expect(r.map50).toBeCloseTo(PERFECT, 10);
  });

  it('sizes scaled to probiou 0.72 with their labels: mAP50 stays, mAP50-95 halves', () => {
    // Concentric boxes whose covariances differ by k = s²: probiou = 1 - sqrt(1 - exp(-ln((1 + k)² / 4k) / 2)).
    const probiouOf = (s: number) => 1 - Math.sqrt(1 - Math.exp(-0.5 * Math.log((1 + s * s) ** 2 / (4 * s * s))));
    let [lo, hi] = [0.01, 1];
    for (let i = 0; i < 60; i++) [lo, hi] = probiouOf((lo + hi) / 2) < 0.72 ? [(lo + hi) / 2, hi] : [lo, (lo + hi) / 2];
    expect(probiou([0, 0, 40, 10, 0.3], [0, 0, 40 * lo, 10 * lo, 0.3])[0]).toBeCloseTo(0.72, 4);
    const r = evaluate(lo);
    expect(r.map50).toBeCloseTo(PERFECT, 10);
    expect(r.map5095).toBeCloseTo(PERFECT * 0.5, 10);
  });

  it('minAreaRect recovers a rotated rectangle from its corners', () => {
    const [cx, cy, w, h, t] = [100, 80, 60, 20, 0.4];
    const corners = [
      [1, 1],
      [1, -1],
      [-1, -1],
      [-1, 1],
    ].flatMap(([a, b]) => [cx + (a * w * Math.cos(t)) / 2 - (b * h * Math.sin(t)) / 2, cy + (a * w * Math.sin(t)) / 2 + (b * h * Math.cos(t)) / 2]);
    const r = minAreaRect(corners);
    expect(r[0]).toBeCloseTo(cx, 6);
    expect(r[1]).toBeCloseTo(cy, 6);
    expect(r[2] * r[3]).toBeCloseTo(w * h, 4);
    expect(probiou(r, [cx, cy, w, h, t])[0]).toBeGreaterThan(0.999);
  });
});

describe('classification val on an ImageNet-style folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-cls-'));
  const require = createRequire(import.meta.url);
  const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

  /** A classifier of the dominant colour: mean of each channel, reordered to (blue, green, red), x20, softmax. */
  function colourModel(): Uint8Array {
    const shape = (d: number[]) => ({ dim: d.map((v) => ({ dimValue: v })) });
    return onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        metadataProps: Object.entries({ task: 'classify', names: namesLiteral(['blue', 'green', 'red']), imgsz: '[32, 32]' }).map(([key, value]) => ({
          key,
          value,
        })),
        graph: {
          name: 'colour',
          node: [
            { opType: 'GlobalAveragePool', input: ['images'], output: ['pool'] },
            { opType: 'Flatten', input: ['pool'], output: ['flat'] },
            { opType: 'Gather', input: ['flat', 'bgr'], output: ['ordered'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
            { opType: 'Mul', input: ['ordered', 'gain'], output: ['logits'] },
            { opType: 'Softmax', input: ['logits'], output: ['output0'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
          ],
          initializer: [
            { name: 'bgr', dataType: 7, dims: [3], int64Data: [2, 1, 0] },
            { name: 'gain', dataType: 1, dims: [], floatData: [20] },
          ],
          input: [{ name: 'images', type: { tensorType: { elemType: 1, shape: shape([1, 3, 32, 32]) } } }],
          output: [{ name: 'output0', type: { tensorType: { elemType: 1, shape: shape([1, 3]) } } }],
        },
      }),
    ).finish();
  }

  it('gives top-1 and top-5 accuracy with classes in folder order', async () => {
    const colours: Record<string, [number, number, number]> = { red: [220, 30, 30], green: [30, 200, 40], blue: [20, 40, 230] };
    // 3 images per class folder; one red image filed under green and one blue under red: top-1 7/9.
    const files: Array<[string, string]> = [
      ['blue', 'blue'],
      ['blue', 'blue'],
      ['blue', 'blue'],
      ['green', 'green'],
      ['green', 'green'],
      ['green', 'red'],
      ['red', 'red'],
      ['red', 'red'],
      ['red', 'blue'],
    ];
    for (const [k, [folder, colour]] of files.entries()) {
      mkdirSync(join(dir, 'val', folder), { recursive: true });
      const [r, g, b] = colours[colour];
      await sharp({ create: { width: 40 + k, height: 30, channels: 3, background: { r, g, b } } })
        .png()
        .toFile(join(dir, 'val', folder, `${k}.png`));
    }
    writeFileSync(join(dir, 'colour.onnx'), colourModel());
    expect(readClassifyDataset(dir).names).toEqual(['blue', 'green', 'red']);
    const r = await val({ data: dir, model: join(dir, 'colour.onnx') });
    if (r.task !== 'classify') throw new Error(`expected a classification result, got ${r.task}`);
    expect(r.images).toBe(9);
    expect(r.top1).toBeCloseTo(7 / 9, 12);
    expect(r.top5).toBe(1); // min(3 classes, 5): every label is in the top 3
    const m = new ClassifyMetrics();
    m.add([4, 1, 2, 3, 0, 5], 5);
    expect(m.result()).toEqual({ top1: 0, top5: 0, images: 1 });
  });
});

describe('val with the real segmentation model', () => {
  it('coco8-seg: box and mask mAP through val() and `trtjs val`', async () => {
    const r = await val({ data: fixture('coco8-seg/coco8-seg.yaml'), root: fixture('coco8-seg'), model: fixture('models/yolov8n-seg_int8_480x640.onnx') });
    if (r.task !== 'segment') throw new Error(`expected a segmentation result, got ${r.task}`);
    expect(r.images).toBe(4);
    expect(r.instances).toBe(17);
    expect(r.map5095).toBeGreaterThan(0.3);
    expect(r.masks.map5095).toBeGreaterThan(0.2);
    expect(r.masks.map5095).toBeLessThan(r.map5095);
    const cli = runCli([
      'val',
      '--data',
      fixture('coco8-seg/coco8-seg.yaml'),
      '--root',
      fixture('coco8-seg'),
      '-m',
      fixture('models/yolov8n-seg_int8_480x640.onnx'),
      '--json',
    ]);
    expect(cli.status, cli.stderr).toBe(0);
    const json = JSON.parse(cli.stdout);
    expect(json.task).toBe('segment');
    expect(json.masks.map5095).toBeCloseTo(r.masks.map5095, 12);
    const table = runCli([
      'val',
      '--data',
      fixture('coco8-seg/coco8-seg.yaml'),
      '--root',
      fixture('coco8-seg'),
      '-m',
      fixture('models/yolov8n-seg_int8_480x640.onnx'),
    ]);
    expect(table.stdout).toMatch(/Box\(P +R +mAP50 +mAP50-95\) +Mask\(P +R +mAP50 +mAP50-95\)/);
  });

  it('coco128-seg (yolov8n-seg_int8_480x640): box and mask mAP50-95 / mAP50 over all 128 images', async () => {
    const { data, root } = coco128Seg();
    const r = await val({ data, root, model: fixture('models/yolov8n-seg_int8_480x640.onnx') });
    if (r.task !== 'segment') throw new Error(`expected a segmentation result, got ${r.task}`);
    expect(r.images).toBe(128);
    expect(r.instances).toBe(941 - 12); // labels 656 and 659 (3 + 9 polygons) have no image
    console.log(
      `[unit] coco128-seg yolov8n-seg_int8_480x640: box ${r.map5095.toFixed(4)} / ${r.map50.toFixed(4)}, mask ${r.masks.map5095.toFixed(4)} / ${r.masks.map50.toFixed(4)}, ${r.msPerImage.toFixed(0)} ms/image`,
    );
    // Measured here: box 0.4256 / 0.5743, mask 0.3496 / 0.5361 (int8-quantized weights).
    expect(r.map5095).toBeGreaterThan(0.4);
    expect(r.map5095).toBeLessThan(0.45);
    expect(r.map50).toBeGreaterThan(0.55);
    expect(r.map50).toBeLessThan(0.6);
    expect(r.masks.map5095).toBeGreaterThan(0.33);
    expect(r.masks.map5095).toBeLessThan(0.37);
    expect(r.masks.map50).toBeGreaterThan(0.51);
    expect(r.masks.map50).toBeLessThan(0.56);
  }, 600_000);
});
