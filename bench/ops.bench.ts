/**
 * Issue 3 goals, single thread: letterbox 1920x1080 → 640x640 float32 NCHW at least 3x faster than sharp
 * resize/extend + a JS loop to CHW float; decode+NMS of a real [1, 84, 8400] output at least 10x faster than a
 * JS decode+NMS. Exits non-zero when a goal is missed.
 */
import sharp from 'sharp';

import { abCompare, decode, letterbox, loadImage, nms } from '../lib/index.js';
import { fixture } from '../test/helpers/fixtures.js';
import { runFixtureModel } from '../test/helpers/ort.js';
import { referenceDecode, referenceNms } from '../test/reference/yolo-reference.js';
import { printAb } from './report.js';

const compare = async (name: string, baseline: () => unknown, candidate: () => unknown, rounds: number) => printAb(name, await abCompare(baseline, candidate, rounds));

sharp.concurrency(1);

// A real 1920x1080 frame: zidane.jpg upscaled (content matters little to either path).
const zidane = await loadImage(fixture('images/zidane.jpg'));
const frame = {
  data: new Uint8Array(await sharp(zidane.data, { raw: { width: zidane.width, height: zidane.height, channels: 3 } }).resize(1920, 1080).raw().toBuffer()),
  width: 1920,
  height: 1080,
  channels: 3 as const,
  order: 'rgb' as const,
};

/** What a Node user writes without trtjs: sharp letterboxes, JS converts HWC uint8 to CHW float. */
async function sharpLetterbox(): Promise<Float32Array> {
  const r = Math.min(640 / frame.height, 640 / frame.width);
  const w = Math.round(frame.width * r), h = Math.round(frame.height * r);
  const left = Math.floor((640 - w) / 2), top = Math.floor((640 - h) / 2);
  const hwc = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(w, h)
    .extend({ left, right: 640 - w - left, top, bottom: 640 - h - top, background: { r: 114, g: 114, b: 114 } })
    .raw()
    .toBuffer();
  const out = new Float32Array(3 * 640 * 640);
  for (let i = 0, n = 640 * 640; i < n; i++) {
    out[i] = hwc[i * 3] / 255;
    out[n + i] = hwc[i * 3 + 1] / 255;
    out[2 * n + i] = hwc[i * 3 + 2] / 255;
  }
  return out;
}

const out = new Float32Array(3 * 640 * 640);
const lb = await compare('letterbox 1920x1080 -> 640x640 f32 NCHW (vs sharp + JS loop)', sharpLetterbox, () => letterbox(frame, { out }), 60);

const bus = letterbox(await loadImage(fixture('images/bus.jpg')));
const output = await runFixtureModel('yolov8n_int8.onnx', bus.data, bus.shape);
const data = output.data as Float32Array;
const dn = await compare(
  'decode+NMS [1,84,8400] yolov8n on bus.jpg (vs JS decode+NMS)',
  () => referenceDecode(data, 84, 8400, { format: 'yolov8', channelsFirst: true, nc: 80 }),
  () => decode(data, [1, 84, 8400], { nc: 80 }),
  100,
);

// NMS alone on 3000 overlapping boxes.
const n = 3000;
const boxes = new Float32Array(n * 4);
const scores = new Float32Array(n);
for (let i = 0; i < n; i++) {
  const x = (i * 37) % 600, y = (i * 91) % 600;
  boxes.set([x, y, x + 40 + (i % 50), y + 40 + (i % 30)], i * 4);
  scores[i] = ((i * 7919) % 1000) / 1000;
}
await compare('nms 3000 boxes (vs JS greedy NMS)', () => referenceNms(boxes, scores, 0.5), () => nms(boxes, scores, { iou: 0.5 }), 30);

const ok = lb.speedup >= 3 && dn.speedup >= 10;
console.log(ok ? 'goals met: letterbox >= 3x, decode+NMS >= 10x' : 'GOAL MISSED: letterbox >= 3x and decode+NMS >= 10x expected');
process.exitCode = ok ? 0 : 1;
