/**
 * GPU pre/post-processing kernels (issue 15). UNVERIFIED: written without a GPU; run it on the next CUDA machine.
 * Goals on an H100: the CUDA letterbox of 1920x1080 → 640x640 float16 NCHW under 25 µs of kernel time; device
 * decode+NMS of a real [1, 84, 8400] output with the detections back on the host (launch, copy, synchronise) under
 * 100 µs. Each is printed with the CPU op on the same input, measured in the same run, as its baseline. Exits
 * non-zero when a goal is missed; prints why and exits 0 where no CUDA device is usable.
 *   node --import tsx bench/cuda-ops.bench.ts
 */

import { capabilities, decode, letterbox, loadImage } from '../lib/index.js';
import { addon, type NativeLetterboxParams } from '../lib/native/binding.js';
import { fixture } from '../test/helpers/fixtures.js';
import { DECODE_DEFAULTS } from '../test/helpers/kernel-cases.js';
import { runFixtureModel } from '../test/helpers/ort.js';
import { timeIt } from '../lib/bench/ab.js';
import { hdFrame } from './frame.js';

const caps = await capabilities();
if (!caps.cuda.available || typeof addon().letterboxDevice !== 'function') {
  console.log(`[gpu] skipped the CUDA kernel bench: ${caps.cuda.available ? 'this addon was built without the CUDA layer' : caps.cuda.reason}`);
  process.exit(0);
}
const device = caps.cuda.devices[0];
console.log(`device: ${device.name} (sm_${device.computeCapability}), driver ${caps.cuda.driverVersion}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

const frame = await hdFrame();
const cpuOut = new Uint16Array(3 * 640 * 640);
const cpu = letterbox(frame, { dtype: 'float16', out: cpuOut });
const params: NativeLetterboxParams = {
  width: 1920,
  height: 1080,
  channels: 3,
  stride: 1920 * 3,
  order: 1,
  resizedWidth: cpu.resized[0],
  resizedHeight: cpu.resized[1],
  outWidth: 640,
  outHeight: 640,
  padLeft: cpu.pad[0],
  padTop: cpu.pad[1],
  padValue: 114,
  dtype: 1,
  layout: 0,
};
const gpuOut = new Uint16Array(3 * 640 * 640);
const lt = await addon().letterboxDevice!(frame.data, params, gpuOut, { iterations: 500 });
const identical = Buffer.from(gpuOut.buffer).equals(Buffer.from(cpuOut.buffer));
const cpuLb = await timeIt(() => letterbox(frame, { dtype: 'float16', out: cpuOut }), 50);
const lbKernel = median(lt.kernelMicros.slice(20));
console.log(
  `letterbox 1920x1080 -> 640x640 f16 NCHW: kernel median ${lbKernel.toFixed(1)} µs (p90 ${p90(lt.kernelMicros.slice(20)).toFixed(1)}), ` +
    `${((1000 * cpuLb.median) / lbKernel).toFixed(0)}x the CPU letterbox (${(1000 * cpuLb.median).toFixed(0)} µs); byte-identical to it: ${identical}`,
);

const bus = letterbox(await loadImage(fixture('images/bus.jpg')));
const output = await runFixtureModel('yolov8n_int8.onnx', bus.data, bus.shape);
const data = output.data as Float32Array;
const p = DECODE_DEFAULTS;
const dt = await addon().decodeDevice!(data, p, { iterations: 500 });
const [cpuDets] = decode(data, [1, 84, 8400], { nc: 80 });
const same = dt.items[0].scores.length === cpuDets.count && Buffer.from(dt.items[0].boxes.buffer).equals(Buffer.from(cpuDets.boxes.buffer));
const cpuDecode = await timeIt(() => decode(data, [1, 84, 8400], { nc: 80 }), 100);
const roundTrip = median(dt.roundTripMicros.slice(20));
console.log(
  `decode+NMS [1,84,8400] yolov8n on bus.jpg, detections on the host: median ${roundTrip.toFixed(1)} µs (kernels ${median(dt.kernelMicros.slice(20)).toFixed(1)} µs), ` +
    `${((1000 * cpuDecode.median) / roundTrip).toFixed(1)}x the CPU decode (${(1000 * cpuDecode.median).toFixed(0)} µs); same detections: ${same}`,
);

const ok = lbKernel < 25 && roundTrip < 100 && identical && same;
console.log(ok ? 'goals met: letterbox < 25 µs, decode+NMS < 100 µs' : 'GOAL MISSED: letterbox < 25 µs and decode+NMS < 100 µs (H100 figures) expected');
process.exitCode = ok ? 0 : 1;
