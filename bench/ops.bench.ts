/**
 * CPU ops, single thread unless said otherwise (issue 15 goals): letterbox 1920x1080 → 640x640 float32 NCHW at least
 * 5x faster than sharp resize/extend + a JS loop to CHW float, with a caller-provided output (a fresh output per call,
 * float16 and a thread-pool batch are reported too); decode+NMS of a real [1, 84, 8400] output at least 10x faster
 * than a JS decode+NMS, and near a plain copy of its input (a hot memcpy into a preallocated array: about 3x on the
 * 2-core CI-class machine; more than 4x fails as a regression). Exits non-zero when a goal is missed. */
import sharp from 'sharp';

import { abCompare, decode, letterbox, letterboxAsync, letterboxBatchAsync, loadImage, nms } from '../lib/index.js';
import { fixture } from '../test/helpers/fixtures.js';
import { runFixtureModel } from '../test/helpers/ort.js';
import { referenceDecode, referenceNms } from '../test/reference/yolo-reference.js';
import { hdFrame } from './frame.js';
import { printAb } from './report.js';

const compare = async (name: string, baseline: () => unknown, candidate: () => unknown, rounds: number) =>
  printAb(name, await abCompare(baseline, candidate, rounds));

sharp.concurrency(1);

const frame = await hdFrame();

/** What a Node user writes without trtjs: sharp letterboxes, JS converts HWC uint8 to CHW float. */
async function sharpLetterbox(): Promise<Float32Array> {
  const r = Math.min(640 / frame.height, 640 / frame.width);
  const w = Math.round(frame.width * r),
    h = Math.round(frame.height * r);
  const left = Math.floor((640 - w) / 2),
    top = Math.floor((640 - h) / 2);
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
const out16 = new Uint16Array(3 * 640 * 640);
const lb = await compare(
  'letterbox 1920x1080 -> 640x640 f32 NCHW, caller-provided output (vs sharp + JS loop)',
  sharpLetterbox,
  () => letterbox(frame, { out }),
  60,
);
await compare('letterbox 1920x1080 -> 640x640 f32 NCHW, fresh output per call (vs sharp + JS loop)', sharpLetterbox, () => letterbox(frame), 60);
await compare(
  'letterbox 1920x1080 -> 640x640 f16 NCHW, caller-provided output (vs sharp + JS loop)',
  sharpLetterbox,
  () => letterbox(frame, { out: out16, dtype: 'float16' }),
  60,
);
// Four frames: one batch call on the thread pool against four letterboxAsync calls one after another.
const frames = [frame, frame, frame, frame];
const batchOut = new Float32Array(4 * 3 * 640 * 640);
await compare(
  'letterboxBatchAsync of 4 frames (vs 4 letterboxAsync in sequence)',
  async () => {
    for (let i = 0; i < 4; i++) await letterboxAsync(frame, { out: batchOut.subarray(i * 3 * 640 * 640, (i + 1) * 3 * 640 * 640) });
  },
  () => letterboxBatchAsync(frames, { out: batchOut }),
  30,
);

const bus = letterbox(await loadImage(fixture('images/bus.jpg')));
const output = await runFixtureModel('yolov8n_int8.onnx', bus.data, bus.shape);
const data = output.data as Float32Array;
const dn = await compare(
  'decode+NMS [1,84,8400] yolov8n on bus.jpg (vs JS decode+NMS)',
  () => referenceDecode(data, 84, 8400, { format: 'yolov8', channelsFirst: true, nc: 80 }),
  () => decode(data, [1, 84, 8400], { nc: 80 }),
  100,
);
// A plain copy of the same output into a preallocated array, the memory-bound floor: decode+NMS should stay within ~2x
// of it (printed as how much faster the copy is).
const copyOut = new Float32Array(data.length);
const copy = await compare(
  'plain copy of the [1,84,8400] output (vs decode+NMS of it)',
  () => decode(data, [1, 84, 8400], { nc: 80 }),
  () => copyOut.set(data),
  100,
);

// NMS alone on 3000 overlapping boxes.
const n = 3000;
const boxes = new Float32Array(n * 4);
const scores = new Float32Array(n);
for (let i = 0; i < n; i++) {
  const x = (i * 37) % 600,
    y = (i * 91) % 600;
  boxes.set([x, y, x + 40 + (i % 50), y + 40 + (i % 30)], i * 4);
  scores[i] = ((i * 7919) % 1000) / 1000;
}
await compare(
  'nms 3000 boxes (vs JS greedy NMS)',
  () => referenceNms(boxes, scores, 0.5),
  () => nms(boxes, scores, { iou: 0.5 }),
  30,
);

const ok = lb.speedup >= 5 && dn.speedup >= 10 && copy.speedup <= 4;
console.log(
  ok
    ? `goals met: letterbox ${lb.speedup.toFixed(1)}x (>= 5x), decode+NMS ${dn.speedup.toFixed(1)}x (>= 10x) and ${copy.speedup.toFixed(1)}x a plain copy (<= 4x)`
    : 'GOAL MISSED: letterbox >= 5x, decode+NMS >= 10x and at most 4x a plain copy expected',
);
process.exitCode = ok ? 0 : 1;
