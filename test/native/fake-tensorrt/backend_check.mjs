// The public TensorRT API (capabilities, inspectEngine, TensorRtBackend, Detector, Predictor, ModelHost) end to end through the
// real N-API glue and TypeScript with the stand-in libnvinfer: on the CPU with the addon built on the stand-in CUDA
// runtime (scripts/check-trt-runtime.sh), or on a real GPU with the normal addon (test/gpu/trt-stand-in.test.ts).
// Every output of the stand-in is a copy of its input, or constant.
//   node backend_check.mjs <package copy>/dist/index.js      prints each check; exits 1 on a failure
import assert from 'node:assert/strict';

const t = await import(process.argv[2]);
const { bench, capabilities, deviceMemory, inspectEngine, writeEngineFile, Detector, ModelHost, Predictor, TensorRtBackend } = t;
let failures = 0;
const check = async (what, fn) => {
  try {
    await fn();
    console.log(`ok   ${what}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${what}: ${err?.stack ?? err}`);
  }
};
const rejects = (promise, code, message) => assert.rejects(promise, (err) => err.code === code && message.test(err.message));
const enc = (s) => new TextEncoder().encode(s);

const plan = enc(
  'ftrt-fake\n' +
    'in images 0 -1,3,-1,-1\n' +
    'out output0 0 -1,3,-1,-1 images\n' +
    'profile 0 images 1,3,8,8 1,3,16,16 1,3,16,16\n' +
    'profile 1 images 1,3,16,16 2,3,32,32 4,3,32,32\n',
);
const caps = await capabilities();
const gpu = caps.cuda.devices[0]?.name;
const engine = writeEngineFile(plan, { names: { 0: 'a', 1: 'b' }, imgsz: [32, 32], task: 'detect', tensorrt: caps.tensorrt.version, device: gpu });
// The stand-in CUDA runtime accounts device memory exactly; a real driver may round and cache a little.
const slack = gpu === 'trtjs stand-in GPU' ? 0 : 16 * 2 ** 20;
const feed = (dims, seed) => {
  const data = new Float32Array(dims.reduce((a, d) => a * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = seed + i * 0.5;
  return { images: { dtype: 'float32', dims, data } };
};
const sameAsInput = (out, input) => {
  assert.deepEqual(out.output0.dims, input.images.dims);
  assert.equal(out.output0.dtype, 'float32');
  assert.deepEqual(out.output0.data, input.images.data);
};

await check(`capabilities: the stand-in GPU and libnvinfer are found and usable, served by the layer of its major (${process.env.EXPECT_TRT_LAYER ?? 'any'})`, () => {
  assert.equal(caps.cuda.available, true);
  assert.equal(caps.tensorrt.available, true, caps.tensorrt.reason);
  // The stand-in reports the version of the headers it was built with; the layer of that major serves it.
  assert.equal(caps.tensorrt.layer, process.env.EXPECT_TRT_LAYER ?? caps.tensorrt.version);
  assert.equal(caps.tensorrt.version, caps.tensorrt.layer);
  if (process.env.EXPECT_TRT_LAYERS) assert.deepEqual(caps.addon.tensorrtLayers, process.env.EXPECT_TRT_LAYERS.split(','));
  assert.ok(caps.addon.tensorrtLayers.includes(caps.tensorrt.layer));
});

await check('inspectEngine: IO tensors, both profiles, metadata and provenance', async () => {
  const e = await inspectEngine(engine);
  assert.deepEqual(e.inputs, [{ name: 'images', dtype: 'float32', shape: [-1, 3, -1, -1] }]);
  assert.deepEqual(e.outputs, [{ name: 'output0', dtype: 'float32', shape: [-1, 3, -1, -1] }]);
  assert.deepEqual(e.profiles[1].images, { min: [1, 3, 16, 16], opt: [2, 3, 32, 32], max: [4, 3, 32, 32] });
  assert.deepEqual(e.names, ['a', 'b']);
  assert.equal(e.tensorrt.builtOn, gpu);
});

await check('TensorRtBackend: 60 concurrent requests over two profiles and two contexts each, every output its own', async () => {
  const backend = await TensorRtBackend.load(engine, { contexts: 2 });
  const shapes = Array.from({ length: 60 }, (_, i) => (i % 3 ? [1, 3, 8 + (i % 9), 16] : [1 + (i % 4), 3, 32, 16 + (i % 17)]));
  const inputs = shapes.map((dims, i) => feed(dims, i * 1000));
  const outs = await Promise.all(inputs.map((input) => backend.run(input)));
  outs.forEach((out, i) => sameAsInput(out, inputs[i]));
  assert.deepEqual(backend.load, { running: 0, waiting: 0 });
  await backend.dispose();
});

await check('TensorRtBackend: shapes no profile admits, wrong dtypes and unknown inputs are refused with their codes', async () => {
  const backend = await TensorRtBackend.load(engine);
  await rejects(backend.run(feed([8, 3, 32, 32], 0)), 'ERR_SHAPE', /no optimization profile of the engine admits images \[8, 3, 32, 32\]/);
  await rejects(backend.run({ images: { dtype: 'float16', dims: [1, 3, 8, 8], data: new Uint16Array(192) } }), 'ERR_BAD_INPUT', /must be float32/);
  await rejects(backend.run({ ...feed([1, 3, 8, 8], 0), extra: feed([1], 0).images }), 'ERR_BAD_INPUT', /no input 'extra'/);
  sameAsInput(await backend.run(feed([1, 3, 8, 8], 3)), feed([1, 3, 8, 8], 3));
  await backend[Symbol.asyncDispose]();
});

await check('dispose: the running request finishes, the waiting ones get ERR_DISPOSED, later ones too', async () => {
  process.env.FAKE_TRT_ENQUEUE_MS = '100';
  const backend = await TensorRtBackend.load(engine);
  const first = backend.run(feed([1, 3, 8, 8], 1));
  const waiting = [backend.run(feed([1, 3, 9, 9], 2)), backend.run(feed([1, 3, 10, 10], 3))];
  await new Promise((r) => setTimeout(r, 20));
  const disposed = backend.dispose();
  for (const w of waiting) await rejects(w, 'ERR_DISPOSED', /disposed while the request waited/);
  sameAsInput(await first, feed([1, 3, 8, 8], 1));
  await disposed;
  delete process.env.FAKE_TRT_ENQUEUE_MS;
  await rejects(backend.run(feed([1, 3, 8, 8], 1)), 'ERR_DISPOSED', /disposed/);
  await backend.dispose(); // idempotent
});

await check('device memory comes back after 20 load/run/dispose cycles', async () => {
  const before = (await deviceMemory()).free;
  let during = before;
  for (let i = 0; i < 20; i++) {
    const backend = await TensorRtBackend.load(engine, { contexts: 2 });
    during = Math.min(during, (await deviceMemory()).free);
    sameAsInput(await backend.run(feed([2, 3, 20, 20], i)), feed([2, 3, 20, 20], i));
    await backend.dispose();
  }
  // Exact accounting on the stand-in; a real driver hands out memory in 2 MiB pages and may keep them cached.
  if (slack === 0) assert.ok(during < before, 'loading took device memory');
  assert.ok(before - (await deviceMemory()).free <= slack, 'device memory given back');
});

await check('mapped staging (integrated GPUs): requests run in place', async () => {
  const backend = await TensorRtBackend.load(engine, { mapped: true, contexts: 2 });
  const inputs = [feed([4, 3, 32, 32], 5), feed([1, 3, 16, 16], 6), feed([1, 3, 8, 8], 7)];
  (await Promise.all(inputs.map((i) => backend.run(i)))).forEach((out, i) => sameAsInput(out, inputs[i]));
  await backend.dispose();
});

await check('a plan this TensorRT refuses is ERR_ENGINE_INCOMPATIBLE naming the header and TensorRT\'s own error', async () => {
  const bad = writeEngineFile(enc('ftrt-garbage'), { tensorrt: '8.6.1', device: 'Orin' });
  await rejects(TensorRtBackend.load(bad), 'ERR_ENGINE_INCOMPATIBLE', /built with TensorRT 8\.6\.1 on Orin; TensorRT .* cannot load it\..*the plan is not a fake plan/s);
});

await check('tensors JavaScript cannot hold are refused at load, naming the tensor', async () => {
  const bf16 = enc('ftrt-fake\nin x 7 1,4\nout y 7 1,4 x\n');
  await rejects(TensorRtBackend.load(bf16), 'ERR_ENGINE_INCOMPATIBLE', /tensor 'x' is bfloat16, which trtjs cannot exchange with JavaScript/);
  const int4 = enc('ftrt-fake\nin x 9 1,4\nout y 9 1,4 x\n');
  await rejects(TensorRtBackend.load(int4), 'ERR_ENGINE_INCOMPATIBLE', /tensor 'x' has a data type trtjs does not exchange/);
});

// A detection head with fixed answers: [1, 6, 4] (cx, cy, w, h, two class scores; 4 anchors) for a 32x32 input.
const head = (sA, sB, cx = 16) =>
  [cx, 8, 24, 16, /* cy */ 16, 8, 8, 24, /* w */ 10, 4, 4, 6, /* h */ 10, 4, 4, 6, /* a */ sA, 0.1, 0.1, 0.1, /* b */ 0.1, sB, 0.1, 0.1].join(',');
const detector = (values, names = { 0: 'a', 1: 'b' }, size = 32) =>
  writeEngineFile(enc(`ftrt-fake\nin images 0 1,3,${size},${size}\nconst output0 0 1,6,4 ${values}\n`), { names, imgsz: [size, size], stride: 32, task: 'detect', batch: 1 });

await check('Detector on an engine: letterbox, TensorRT backend, decode and scaling give the head\'s detections', async () => {
  const d = await Detector.create(detector(head(0.9, 0.8)));
  const image = { data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64, channels: 3, order: 'rgb' };
  const dets = await d.detect(image);
  assert.deepEqual(dets.map((x) => [x.className, Math.round(x.score * 100)]), [['a', 90], ['b', 80]]);
  assert.deepEqual(dets[0].box.map((v) => Math.round(v)), [22, 22, 42, 42]); // [11, 11, 21, 21] at 32 px, times 2
  assert.equal(d.backend.kind, 'tensorrt');
  await d.dispose();
});

await check('Predictor on an engine: the task from its header (obb), letterbox, TensorRT backend, rotated NMS and scaling', async () => {
  // [1, 7, 2] channels first: cx, cy, w, h, plane, ship, angle for two anchors, at 32 px.
  const values = [16, 8, /* cy */ 16, 24, /* w */ 12, 4, /* h */ 6, 4, /* plane */ 0.9, 0.1, /* ship */ 0.1, 0.6, /* angle */ 0.5, 0.2].join(',');
  const engine = writeEngineFile(enc(`ftrt-fake\nin images 0 1,3,32,32\nconst output0 0 1,7,2 ${values}\n`), { names: { 0: 'plane', 1: 'ship' }, imgsz: [32, 32], stride: 32, task: 'obb', batch: 1 });
  const p = await Predictor.create(engine);
  assert.equal(p.task, 'obb');
  assert.equal(p.backend.kind, 'tensorrt');
  const r = await p.predict({ data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64, channels: 3, order: 'rgb' });
  assert.equal(r.task, 'obb');
  assert.deepEqual(Array.from(r.obb.cls), [0, 1]);
  // Twice the input's pixels: centres and sizes doubled, angles kept.
  assert.deepEqual(Array.from(r.obb.xywhr, (v) => Math.round(v * 100) / 100), [32, 32, 24, 12, 0.5, 16, 48, 8, 8, 0.2]);
  await p.dispose();
  await rejects(Detector.create(engine), 'ERR_BAD_MODEL', /the model is an obb model, not a detect model/);
});

await check('ModelHost on engines: 3 request loops, 6 swaps, bad candidates rejected at their stage, no request fails, memory back', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-stand-in-host-'));
  const file = (name, bytes) => (writeFileSync(join(dir, name), bytes), join(dir, name));
  const one = file('one.engine', detector(head(0.9, 0.8)));
  const two = file('two.engine', detector(head(0.85, 0.75)));
  const image = { data: new Uint8Array(64 * 64 * 3).fill(90), width: 64, height: 64, channels: 3, order: 'rgb' };
  const memory = (await deviceMemory()).free;
  const host = await ModelHost.open(one, { minSwapIntervalMs: 0, golden: { image } });
  let stop = false;
  let failures = 0;
  let served = 0;
  const loop = async () => {
    while (!stop) {
      try {
        const dets = await host.detect(image);
        if (dets.length !== 2 || dets[0].className !== 'a') failures++;
        else served++;
      } catch {
        failures++;
      }
    }
  };
  const loops = [loop(), loop(), loop()];
  const bad = [
    [file('truncated.engine', detector(head(0.9, 0.8)).subarray(0, 40)), 'load', /truncated or corrupt TensorRT engine: .*does not fit the 40-byte file/],
    [file('refused.engine', writeEngineFile(enc('ftrt-garbage'), {})), 'load', /not a fake plan/],
    [file('relabeled.engine', detector(head(0.9, 0.8), { 0: 'x', 1: 'b' })), 'validate', /class 0 is 'x', expected 'a'/],
    [file('blind.engine', detector(head(0.2, 0.2))), 'golden', /expected a 0\.90/],
    [file('bigger.engine', detector(head(0.9, 0.8), undefined, 64)), 'validate', /inputs differ: serving images float32 \[1, 3, 32, 32\], candidate images float32 \[1, 3, 64, 64\]/],
    [file('headless.engine', enc(`ftrt-fake\nin images 0 1,3,32,32\nconst output0 0 1,6,4 ${head(0.9, 0.8)}\n`)), 'load', /matches no known YOLO head/],
  ];
  for (let round = 0; round < 3; round++) {
    for (const next of [two, one]) assert.equal((await host.swap(next)).source, next);
    for (const [candidate, stage, reason] of bad) {
      const err = await host.swap(candidate).then(() => undefined, (e) => e);
      assert.equal(err?.code, 'ERR_VALIDATION', `${candidate}: ${err}`);
      assert.equal(err.stage, stage, `${candidate}: ${err.message}`);
      assert.match(err.message, reason);
    }
  }
  stop = true;
  await Promise.all(loops);
  await host.close();
  assert.equal(failures, 0);
  assert.ok(served > 30, `served ${served}`);
  console.log(`     ${served} requests served, none failed, over 6 swaps and ${bad.length * 3} rejected candidates`);
  assert.ok(memory - (await deviceMemory()).free <= slack, 'every engine gave its device memory back');
});

// trtjs bench on TensorRT: event-timed figures (H2D, GPU compute, D2H from CUDA events; Enqueue Time from the host
// clock around enqueueV3), consistent per query and with the wall time.
await check('bench: event-timed fields per query, latency = H2D + compute + D2H, walltime >= sum(compute) / streams', async () => {
  process.env.FAKE_TRT_ENQUEUE_MS = '4';
  try {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const times = join(mkdtempSync(join(tmpdir(), 'trtjs-stand-in-bench-')), 'times.json');
    const r = await bench(engine, { streams: 2, warmupMs: 50, durationMs: 400, iterations: 5, shapes: 'images:2x3x32x32', exportTimes: times, trace: true });
    const inf = r.inference;
    assert.equal(inf.backend.kind, 'tensorrt');
    assert.equal(inf.backend.device, 'GPU');
    assert.match(inf.backend.description, new RegExp(`TensorRT ${caps.tensorrt.version} on ${gpu}`));
    assert.deepEqual(inf.shapes, { images: [2, 3, 32, 32] });
    assert.equal(inf.batch, 2);
    assert.equal(inf.mode.transfers, caps.cuda.devices[0].integrated ? 'mapped' : 'copied');
    assert.equal(inf.mode.wait, 'block');
    for (const f of [inf.latency, inf.h2d, inf.compute, inf.d2h]) {
      assert.equal(f.available, true, f.label);
      assert.equal(f.timedBy, 'cuda-events', f.label);
    }
    assert.equal(inf.compute.label, 'GPU Compute Time');
    assert.equal(inf.enqueue.timedBy, 'host-clock');
    const trace = inf.trace;
    assert.equal(trace.length, inf.queries);
    assert.deepEqual(JSON.parse(readFileSync(times, 'utf8')), trace);
    let computeSum = 0;
    for (const q of trace) {
      assert.ok(Math.abs(q.latencyMs - (q.h2dMs + q.computeMs + q.d2hMs)) < 1e-9, 'latency = H2D + compute + D2H');
      assert.ok(q.computeMs >= 3.9, `compute covers the enqueued work (${q.computeMs} ms)`);
      assert.ok(q.h2dMs >= 0 && q.d2hMs >= 0);
      assert.ok(q.startH2dMs <= q.startEnqMs + 1e-6 && q.startEnqMs <= q.endEnqMs, 'copies issued before the enqueue');
      assert.ok(q.endEnqMs - q.startEnqMs >= 3.9, 'Enqueue Time spans enqueueV3 (the stand-in works inside it)');
      assert.ok(q.startComputeMs >= 50, 'no warm-up query timed');
      computeSum += q.computeMs;
    }
    for (const s of [0, 1]) assert.ok(trace.filter((q) => q.stream === s).length >= 5, `stream ${s}: at least 5 timed queries`);
    assert.ok(inf.walltimeMs >= computeSum / 2, `walltime ${inf.walltimeMs} >= sum(compute) ${computeSum} / 2 streams`);
    assert.ok(Math.abs(inf.totalComputeMs - computeSum) < 1e-6);
    assert.ok(Math.abs(inf.throughput.imagesPerSecond - 2 * inf.throughput.qps) < 1e-9);
    const codes = inf.warnings.map((w) => w.code);
    assert.ok(codes.includes('multiple-streams') && codes.includes('enqueue-bound'), codes.join());
    assert.equal(r.device.gpu.name, gpu);
    console.log(`     ${inf.queries} queries on 2 streams, GPU compute median ${inf.compute.median.toFixed(3)} ms, H2D ${inf.h2d.median.toFixed(4)} ms, ${inf.throughput.qps.toFixed(1)} qps`);
  } finally {
    delete process.env.FAKE_TRT_ENQUEUE_MS;
  }
});

await check('bench: --no-data-transfers, --spin-wait, default shapes from profile 0, shapes no profile admits refused', async () => {
  const r = (await bench(engine, { warmupMs: 10, durationMs: 100, iterations: 3, transfers: false, spinWait: true })).inference;
  assert.deepEqual(r.shapes, { images: [1, 3, 16, 16] }); // profile 0's opt shape
  assert.equal(r.mode.wait, 'spin');
  if (!caps.cuda.devices[0].integrated) {
    assert.equal(r.mode.transfers, 'skipped');
    assert.deepEqual(r.h2d, { available: false, label: 'H2D Latency', reason: 'skipped (--no-data-transfers)' });
    assert.equal(r.d2h.available, false);
  }
  assert.equal(r.compute.available, true);
  await rejects(bench(engine, { shapes: 'images:8x3x32x32' }), 'ERR_SHAPE', /no optimization profile of the engine admits images 8x3x32x32 \(profile 0: images 1x3x8x8\.\.1x3x16x16; profile 1: images 1x3x16x16\.\.4x3x32x32\)/);
  await rejects(bench(engine, { backend: 'onnxruntime' }), 'ERR_BAD_INPUT', /is a TensorRT engine: ONNX Runtime runs ONNX models/);
});

await check('bench: concurrency sweep and end-to-end stages on engines', async () => {
  const sweep = (await bench(engine, { warmupMs: 10, durationMs: 100, iterations: 2, concurrency: [1, 3] })).sweep;
  assert.deepEqual(sweep.levels.map((l) => l.concurrency), [1, 3]);
  for (const l of sweep.levels) assert.ok(l.qps > 0 && l.latencyMs.p50 <= l.latencyMs.p99);
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const sharp = (await import('sharp')).default;
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-stand-in-images-'));
  writeFileSync(join(dir, 'gray.png'), await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 114, g: 114, b: 114 } } }).png().toBuffer());
  const e = (await bench(detector(head(0.9, 0.8)), { warmupMs: 10, durationMs: 150, iterations: 3, images: dir, inFlight: 2 })).endToEnd;
  assert.equal(e.sequential.detectionsPerFrame, 2);
  assert.equal(e.sequential.stages.infer.label, 'Inference');
  for (const f of Object.values(e.sequential.stages)) assert.equal(f.available, true, f.label);
  assert.ok(e.inFlight.frames >= 1 && e.inFlight.fps > 0);
});

console.log(failures ? `FAILED: ${failures} failed` : 'passed: 0 failed');
process.exit(failures ? 1 : 0);
