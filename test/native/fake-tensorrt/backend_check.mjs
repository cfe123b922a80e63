// The public TensorRT API (capabilities, buildEngine, inspectEngine, TensorRtBackend, Detector, Predictor, ModelHost) end to end
// through the real N-API glue and TypeScript with the stand-in libnvinfer, ONNX parser and builder resource: on the
// CPU with the addon built on the stand-in CUDA runtime (scripts/check-trt-runtime.sh), or on a real GPU with the normal
// addon (test/gpu/trt-stand-in.test.ts). Every output of the stand-in is a copy of its input, constant, or a real
// model's output recorded here with ONNX Runtime (yolov8n on bus.jpg from TRTJS_FIXTURES), which runs the image-in
// stage (letterbox, engine, decode + NMS on the device: the kernels' host emulation on the stand-in CUDA runtime, the
// real kernels on a GPU) against the CPU Detector. Ends with a chaos round: random interleavings of run, dispose,
// abort and swap over engines.
//   node --expose-gc backend_check.mjs <package copy>/dist/index.js    prints each check; exits 1 on a failure
//   TRT_CHAOS_ROUNDS=n (default 12), TRT_CHAOS_SEED=n
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const t = await import(process.argv[2]);
const {
  bench,
  buildEngine,
  capabilities,
  deviceMemory,
  inspectEngine,
  letterbox,
  loadImage,
  readEngineFile,
  writeEngineFile,
  Detector,
  ModelHost,
  PinnedBuffer,
  Predictor,
  TensorRtBackend,
  TrtjsError,
} = t;
const { onnx } = createRequire(process.argv[2])('onnx-proto');
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

await check(
  `capabilities: the stand-in GPU and libnvinfer are found and usable, served by the layer of its major (${process.env.EXPECT_TRT_LAYER ?? 'any'})`,
  () => {
    assert.equal(caps.cuda.available, true);
    assert.equal(caps.tensorrt.available, true, caps.tensorrt.reason);
    // The stand-in reports the version of the headers it was built with; the layer of that major serves it.
    assert.equal(caps.tensorrt.layer, process.env.EXPECT_TRT_LAYER ?? caps.tensorrt.version);
    assert.equal(caps.tensorrt.version, caps.tensorrt.layer);
    if (process.env.EXPECT_TRT_LAYERS) assert.deepEqual(caps.addon.tensorrtLayers, process.env.EXPECT_TRT_LAYERS.split(','));
    assert.ok(caps.addon.tensorrtLayers.includes(caps.tensorrt.layer));
    assert.equal(caps.tensorrt.onnxParser.available, true, caps.tensorrt.onnxParser.reason);
  },
);

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
  outs.forEach((out, i) => {
    sameAsInput(out, inputs[i]);
  });
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
  (await Promise.all(inputs.map((i) => backend.run(i)))).forEach((out, i) => {
    sameAsInput(out, inputs[i]);
  });
  await backend.dispose();
});

await check("a plan this TensorRT refuses is ERR_ENGINE_INCOMPATIBLE naming the header and TensorRT's own error", async () => {
  const bad = writeEngineFile(enc('ftrt-garbage'), { tensorrt: '8.6.1', device: 'Orin' });
  await rejects(
    TensorRtBackend.load(bad),
    'ERR_ENGINE_INCOMPATIBLE',
    /built with TensorRT 8\.6\.1 on Orin; TensorRT .* cannot load it\..*the plan is not a fake plan/s,
  );
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
  writeEngineFile(enc(`ftrt-fake\nin images 0 1,3,${size},${size}\nconst output0 0 1,6,4 ${values}\n`), {
    names,
    imgsz: [size, size],
    stride: 32,
    task: 'detect',
    batch: 1,
  });

await check("Detector on an engine: letterbox, TensorRT backend, decode and scaling give the head's detections", async () => {
  const d = await Detector.create(detector(head(0.9, 0.8)));
  const image = { data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64, channels: 3, order: 'rgb' };
  const dets = await d.detect(image);
  assert.deepEqual(
    dets.map((x) => [x.className, Math.round(x.score * 100)]),
    [
      ['a', 90],
      ['b', 80],
    ],
  );
  assert.deepEqual(
    dets[0].box.map((v) => Math.round(v)),
    [22, 22, 42, 42],
  ); // [11, 11, 21, 21] at 32 px, times 2
  assert.equal(d.backend.kind, 'tensorrt');
  await d.dispose();
});

// A real model's output, recorded here with ONNX Runtime (yolov8n on bus.jpg, [1, 84, 8400]) and answered by the
// stand-in engine only for the exact input tensor the model saw: the engine path of Detector (letterbox into the
// engine's input, TensorRT backend, decode + NMS, scaling) must give the CPU Detector's detections on the ONNX model.
const fixtures = process.env.TRTJS_FIXTURES;
const { existsSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const recordedModel = fixtures && join(fixtures, 'models/yolov8n_int8.onnx');
const bus = fixtures && join(fixtures, 'images/bus.jpg');
const fnv1a = (bytes) => {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
};
/**
 * Stand-in engines answering the ONNX model's recorded output on bus.jpg (a float32 input, and a float16 one fed the
 * same pixels), and the CPU Detector's detections.
 */
const recordedEngines = async (dir) => {
  const cpu = await Detector.create(recordedModel, { backend: 'onnxruntime' });
  try {
    const expected = await cpu.detect(bus);
    const [h, w] = cpu.imgsz;
    const image = await loadImage(bus);
    const { data } = letterbox(image, { size: [h, w], stride: cpu.info.stride ?? 32 });
    const input = { dtype: 'float32', dims: [1, 3, h, w], data };
    const { output0 } = await cpu.backend.run({ images: input });
    const file = join(dir, 'yolov8n-bus.output0.f32');
    writeFileSync(file, new Uint8Array(output0.data.buffer, output0.data.byteOffset, output0.data.byteLength));
    const names = Object.fromEntries(cpu.info.names.map((n, i) => [i, n]));
    const engineFor = (dtype, tensor) => {
      const hash = fnv1a(new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength));
      const plan = enc(`ftrt-fake\nin images ${dtype} 1,3,${h},${w}\nrecorded output0 0 ${output0.dims.join(',')} ${file} images ${hash}\n`);
      return writeEngineFile(plan, { names, imgsz: [h, w], stride: cpu.info.stride, task: 'detect', batch: 1 });
    };
    const half = letterbox(image, { size: [h, w], stride: cpu.info.stride ?? 32, dtype: 'float16' }).data;
    return { engine: engineFor(0, data), halfEngine: engineFor(1, half), expected, input, output0, image };
  } finally {
    await cpu.dispose();
  }
};
const sameDetections = (got, expected) => {
  assert.equal(got.length, expected.length);
  got.forEach((d, i) => {
    assert.equal(d.classId, expected[i].classId);
    assert.equal(d.score, expected[i].score);
    assert.deepEqual(d.box, expected[i].box);
  });
};

const recordedDir = mkdtempSync(join(tmpdir(), 'trtjs-stand-in-recorded-'));
const recorded = recordedModel && existsSync(recordedModel) && existsSync(bus) ? await recordedEngines(recordedDir) : undefined;

await check('a recorded real output (yolov8n on bus.jpg): the tensor API answers the recorded input, and only that input', async () => {
  assert.ok(recorded, `the fixtures (TRTJS_FIXTURES=${fixtures}) hold models/yolov8n_int8.onnx and images/bus.jpg`);
  const { engine, expected, input, output0 } = recorded;
  assert.ok(expected.length >= 4, `the CPU Detector finds the bus and the people (${expected.length} detections)`);
  const backend = await TensorRtBackend.load(engine);
  assert.deepEqual((await backend.run({ images: input })).output0.data, output0.data);
  const other = new Float32Array(input.data);
  other[12345] += 1 / 255;
  await rejects(backend.run({ images: { ...input, data: other } }), 'ERR_NATIVE', /input 'images' hashes to [0-9a-f]{16}, not the [0-9a-f]{16}/);
  await backend.dispose();
});

await check(
  "image in, detections out (recorded yolov8n on bus.jpg): Detector on the engine gives the CPU Detector's detections, float32 and float16 inputs, copied and mapped staging, and on the CPU path too",
  async () => {
    assert.ok(recorded, 'the recorded engine was made');
    const { engine, halfEngine, expected } = recorded;
    for (const [what, model, options] of [
      ['float32', engine, {}],
      ['float16', halfEngine, {}],
      ['mapped', engine, { tensorrt: { mapped: true, contexts: 2 } }],
    ]) {
      const d = await Detector.create(model, options);
      assert.equal(d.imageIn, true, `${what}: image in`);
      // The engine refuses any input but the one the ONNX model saw: the device letterbox wrote it byte for byte.
      sameDetections(await d.detect(bus), expected);
      const again = await Promise.all([d.detect(bus), d.detect(bus), d.detect(bus, { classes: [0] })]);
      sameDetections(again[0], expected);
      sameDetections(again[1], expected);
      sameDetections(
        again[2],
        expected.filter((x) => x.classId === 0),
      );
      await d.dispose();
    }
    const plain = await Detector.create(engine, { imageIn: false });
    assert.equal(plain.imageIn, false);
    sameDetections(await plain.detect(bus), expected);
    await plain.dispose();
    // A frame larger than the staging takes the CPU path in Detector.
    const small = await Detector.create(engine, { imageIn: { frameBytes: 1000 } });
    assert.equal(small.imageIn, true);
    sameDetections(await small.detect(bus), expected);
    await small.dispose();
  },
);

await check('image in: bad input and CUDA errors mid-pipeline are coded errors naming the cause; the contexts keep working', async () => {
  assert.ok(recorded, 'the recorded engine was made');
  const { engine, expected, image } = recorded;
  const backend = await TensorRtBackend.load(engine, { contexts: 2 });
  await rejects(backend.detectImage(image), 'ERR_BAD_INPUT', /the image-in stage is not enabled/);
  await backend.enableImageIn(1000);
  assert.equal(backend.frameBytes, 1000);
  await rejects(backend.detectImage(image), 'ERR_BAD_INPUT', /the image \(810x1080, 3 channels, 2624400 bytes\) is larger than the frame staging \(1000 bytes/);
  await backend.dispose();

  // No graphs: a replay launches no kernel, so an injected kernel failure would not be met.
  const b = await TensorRtBackend.load(engine, { contexts: 2, cudaGraph: false });
  await b.enableImageIn(image.data.byteLength);
  const options = { letterbox: { size: 640 }, decode: { nc: 80 } };
  await rejects(b.detectImage({ ...image, order: 'yuv' }, options), 'ERR_BAD_INPUT', /order/);
  await rejects(b.detectImage(image, { ...options, output: 'nope' }), 'ERR_BAD_INPUT', /options\.output/);
  await rejects(b.detectImage(image, { ...options, letterbox: { size: 320 } }), 'ERR_SHAPE', /\[1, 3, 320, 320\]/);
  // Kernel failures are injected into the stand-in's kernels (fake_kernels.cpp); a real GPU runs the real ones.
  for (const kernel of slack === 0 ? ['letterbox', 'decode'] : []) {
    process.env.FAKE_CUDA_KERNEL_ERROR = kernel;
    const failed = await Promise.allSettled([b.detectImage(image, options), b.detectImage(image, options)]);
    delete process.env.FAKE_CUDA_KERNEL_ERROR;
    for (const f of failed) {
      assert.equal(f.status, 'rejected');
      assert.equal(f.reason.code, 'ERR_CUDA');
      assert.match(f.reason.message, new RegExp(`${kernel === 'letterbox' ? 'letterbox kernel' : 'decode kernels'}: cudaErrorIllegalAddress`));
    }
    // Both contexts serve again.
    const after = await Promise.all([b.detectImage(image, options), b.detectImage(image, options)]);
    for (const r of after) assert.equal(r.count, expected.length);
  }
  await b.dispose();

  // Input dtypes the letterbox kernel does not write.
  const ints = await TensorRtBackend.load(enc(`ftrt-fake\nin images 3 1,3,32,32\nconst output0 0 1,6,4 ${head(0.9, 0.8)}\n`));
  await ints.enableImageIn(64 * 64 * 3);
  const gray = { data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64, channels: 3, order: 'rgb' };
  await rejects(
    ints.detectImage(gray, { letterbox: { size: 32 }, decode: { nc: 2 } }),
    'ERR_BAD_INPUT',
    /image in writes float32 or float16 inputs; 'images' has another data type/,
  );
  await ints.dispose();
});
await check(
  'CUDA graphs (image in): captured after a plain run, replayed for the same launches only, recaptured after a change, equal to the plain path; an engine that cannot be captured is refused when asked for, plain otherwise',
  async () => {
    assert.ok(recorded, 'the recorded engine was made');
    const { engine, expected, image } = recorded;
    const options = { letterbox: { size: 640 }, decode: { nc: 80 } };
    const same = (a, b) => {
      assert.equal(a.count, b.count);
      assert.deepEqual([a.boxes, a.scores, a.classes, a.anchors], [b.boxes, b.scores, b.classes, b.anchors]);
    };
    const b = await TensorRtBackend.load(engine, { contexts: 2 });
    await b.enableImageIn(image.data.byteLength);
    const plain = await TensorRtBackend.load(engine, { cudaGraph: false });
    await plain.enableImageIn(image.data.byteLength);
    const reference = await plain.detectImage(image, options);
    assert.equal(reference.graph, 'plain');
    assert.equal(reference.count, expected.length);
    assert.equal((await plain.detectImage(image, options)).graph, 'plain');
    // One request at a time: each meets the graph the one before left on its context.
    const steps = [];
    for (const o of [options, options, options, { ...options, decode: { nc: 80, conf: 0.5 } }, options, options]) steps.push(await b.detectImage(image, o));
    const graphs = steps.map((r) => r.graph);
    assert.ok(graphs.includes('replayed'), `some requests replayed a graph (${graphs.join(', ')})`);
    for (const r of steps) if (r !== steps[3]) same(r, reference);
    assert.equal(steps[3].graph, 'captured', 'other options: run plainly and captured in place of the old graph');
    assert.ok(steps[3].count < reference.count && steps[3].scores.every((s) => s > 0.5));
    const replays = await Promise.all(Array.from({ length: 6 }, () => b.detectImage(image, options)));
    for (const r of replays) same(r, reference);
    assert.ok(replays.filter((r) => r.graph === 'replayed').length >= 4, 'both contexts replay once captured');
    if (slack === 0) {
      // A replay that fails on the device (injected into the stand-in's CUDA runtime) is ERR_CUDA naming it; then the
      // contexts serve again.
      process.env.FAKE_CUDA_GRAPH_ERROR = '1';
      const failed = await Promise.allSettled([b.detectImage(image, options), b.detectImage(image, options)]);
      delete process.env.FAKE_CUDA_GRAPH_ERROR;
      for (const f of failed) {
        assert.equal(f.status, 'rejected');
        assert.equal(f.reason.code, 'ERR_CUDA');
        assert.match(f.reason.message, /cudaGraphLaunch: cudaErrorIllegalAddress/);
      }
      for (const r of await Promise.all([b.detectImage(image, options), b.detectImage(image, options)])) same(r, reference);
    }
    await b.dispose();
    await plain.dispose();

    const d = await Detector.create(engine, { tensorrt: { cudaGraph: true } });
    for (let i = 0; i < 3; i++) sameDetections(await d.detect(bus), expected);
    await d.dispose();

    // The stand-in's constant outputs synchronize the stream inside enqueueV3: such an engine cannot be captured.
    const gray = { data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64, channels: 3, order: 'rgb' };
    const small = { letterbox: { size: 32 }, decode: { nc: 2 } };
    const strict = await TensorRtBackend.load(detector(head(0.9, 0.8)), { cudaGraph: true });
    await strict.enableImageIn(gray.data.length);
    await rejects(
      strict.detectImage(gray, small),
      'ERR_ENGINE_INCOMPATIBLE',
      /cannot be captured into a CUDA graph \(enqueueV3 failed: .*\); run it with cudaGraph: false/,
    );
    await strict.dispose();
    const auto = await TensorRtBackend.load(detector(head(0.9, 0.8)));
    await auto.enableImageIn(gray.data.length);
    for (let i = 0; i < 3; i++) {
      const r = await auto.detectImage(gray, small);
      assert.equal(r.graph, 'plain');
      assert.equal(r.count, 2);
    }
    await auto.dispose();
  },
);
rmSync(recordedDir, { recursive: true, force: true });

await check('Predictor on an engine: the task from its header (obb), letterbox, TensorRT backend, rotated NMS and scaling', async () => {
  // [1, 7, 2] channels first: cx, cy, w, h, plane, ship, angle for two anchors, at 32 px.
  const values = [16, 8, /* cy */ 16, 24, /* w */ 12, 4, /* h */ 6, 4, /* plane */ 0.9, 0.1, /* ship */ 0.1, 0.6, /* angle */ 0.5, 0.2].join(',');
  const engine = writeEngineFile(enc(`ftrt-fake\nin images 0 1,3,32,32\nconst output0 0 1,7,2 ${values}\n`), {
    names: { 0: 'plane', 1: 'ship' },
    imgsz: [32, 32],
    stride: 32,
    task: 'obb',
    batch: 1,
  });
  const p = await Predictor.create(engine);
  assert.equal(p.task, 'obb');
  assert.equal(p.backend.kind, 'tensorrt');
  const r = await p.predict({ data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64, channels: 3, order: 'rgb' });
  assert.equal(r.task, 'obb');
  assert.deepEqual(Array.from(r.obb.cls), [0, 1]);
  // Twice the input's pixels: centres and sizes doubled, angles kept.
  assert.deepEqual(
    Array.from(r.obb.xywhr, (v) => Math.round(v * 100) / 100),
    [32, 32, 24, 12, 0.5, 16, 48, 8, 8, 0.2],
  );
  await p.dispose();
  await rejects(Detector.create(engine), 'ERR_BAD_MODEL', /the model is an obb model, not a detect model/);
});

await check('ModelHost on engines: 3 request loops, 6 swaps, bad candidates rejected at their stage, no request fails, memory back', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-stand-in-host-'));
  const file = (name, bytes) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
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
    [
      file('bigger.engine', detector(head(0.9, 0.8), undefined, 64)),
      'validate',
      /inputs differ: serving images float32 \[1, 3, 32, 32\], candidate images float32 \[1, 3, 64, 64\]/,
    ],
    [file('headless.engine', enc(`ftrt-fake\nin images 0 1,3,32,32\nconst output0 0 1,6,4 ${head(0.9, 0.8)}\n`)), 'load', /matches no known YOLO head/],
  ];
  for (let round = 0; round < 3; round++) {
    for (const next of [two, one]) assert.equal((await host.swap(next)).source, next);
    for (const [candidate, stage, reason] of bad) {
      const err = await host.swap(candidate).then(
        () => undefined,
        (e) => e,
      );
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
    console.log(
      `     ${inf.queries} queries on 2 streams, GPU compute median ${inf.compute.median.toFixed(3)} ms, H2D ${inf.h2d.median.toFixed(4)} ms, ${inf.throughput.qps.toFixed(1)} qps`,
    );
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
  await rejects(
    bench(engine, { shapes: 'images:8x3x32x32' }),
    'ERR_SHAPE',
    /no optimization profile of the engine admits images 8x3x32x32 \(profile 0: images 1x3x8x8\.\.1x3x16x16; profile 1: images 1x3x16x16\.\.4x3x32x32\)/,
  );
  await rejects(bench(engine, { backend: 'onnxruntime' }), 'ERR_BAD_INPUT', /is a TensorRT engine: ONNX Runtime runs ONNX models/);
});

await check(
  'bench --cuda-graph: the enqueue captured per context after a plain run, replayed for the same shapes only, recaptured when they change',
  async () => {
    const b = await TensorRtBackend.load(engine);
    const tensor = (dims) => ({ dtype: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, (_, i) => (i % 13) / 13) });
    const [big, small] = [
      [1, 3, 16, 16],
      [1, 3, 8, 8],
    ];
    const states = [];
    for (const dims of [big, big, big, small, small, big]) {
      b.stageInputs({ images: tensor(dims) });
      const t = await b.runStaged({ images: dims }, { cudaGraph: true });
      assert.ok(t.computeMs >= 0 && t.enqueueEndMs >= t.enqueueStartMs);
      states.push(t.graph);
    }
    assert.deepEqual(states, ['captured', 'replayed', 'replayed', 'captured', 'replayed', 'captured']);
    assert.equal((await b.runStaged({ images: big })).graph, 'plain');
    // After graph replays the tensor path still answers its own input (the stand-in engine copies input to output).
    const out = (await b.run({ images: tensor(big) })).output0;
    assert.deepEqual(Array.from(out.data.slice(0, 26)), Array.from(tensor(big).data.slice(0, 26)));
    await b.dispose();

    const r = (await bench(engine, { warmupMs: 10, durationMs: 100, iterations: 3, cudaGraph: true })).inference;
    assert.equal(r.mode.cudaGraph, true);
    assert.equal(r.compute.available, true);
    assert.equal((await bench(engine, { warmupMs: 10, durationMs: 50, iterations: 2 })).inference.mode.cudaGraph, false);
    // An engine whose enqueue synchronizes the stream (the stand-in's constant outputs) cannot be captured: refused, named.
    await rejects(
      bench(detector(head(0.9, 0.8)), { warmupMs: 10, durationMs: 50, iterations: 2, cudaGraph: true }),
      'ERR_ENGINE_INCOMPATIBLE',
      /cannot be captured into a CUDA graph \(.*\); run it without cudaGraph/,
    );
  },
);

await check('bench: concurrency sweep and end-to-end stages on engines', async () => {
  const sweep = (await bench(engine, { warmupMs: 10, durationMs: 100, iterations: 2, concurrency: [1, 3] })).sweep;
  assert.deepEqual(
    sweep.levels.map((l) => l.concurrency),
    [1, 3],
  );
  for (const l of sweep.levels) assert.ok(l.qps > 0 && l.latencyMs.p50 <= l.latencyMs.p99);
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const sharp = (await import('sharp')).default;
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-stand-in-images-'));
  writeFileSync(
    join(dir, 'gray.png'),
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 114, g: 114, b: 114 } } })
      .png()
      .toBuffer(),
  );
  const e = (await bench(detector(head(0.9, 0.8)), { warmupMs: 10, durationMs: 150, iterations: 3, images: dir, inFlight: 2 })).endToEnd;
  assert.equal(e.sequential.detectionsPerFrame, 2);
  assert.equal(e.sequential.stages.infer.label, 'Inference');
  for (const f of Object.values(e.sequential.stages)) assert.equal(f.available, true, f.label);
  assert.ok(e.inFlight.frames >= 1 && e.inFlight.fps > 0);
});

// ---- building (issue #16) -----------------------------------------------------------------------------------------

const major = Number(caps.tensorrt.version.split('.')[0]);
const minor = Number(caps.tensorrt.version.split('.')[1]);
const onStandInGpu = gpu === 'trtjs stand-in GPU';
/** An ONNX model whose outputs copy its inputs (the stand-in parser makes each output an identity of an input). */
const identityOnnx = (inputs, outputs = inputs.map(([n, s]) => [`${n}_out`, s])) =>
  onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      metadataProps: [{ key: 'names', value: "{0: 'a', 1: 'b'}" }],
      graph: {
        name: 'copy',
        node: outputs.map(([o], i) => ({ opType: 'Identity', input: [inputs[i][0]], output: [o], name: `n${i}` })),
        input: inputs.map(([name, shape]) => ({
          name,
          type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
        })),
        output: outputs.map(([name, shape]) => ({
          name,
          type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
        })),
      },
    }),
  ).finish();
const planText = (engineFile) => new TextDecoder().decode(readEngineFile(engineFile).plan);
const notes = (engineFile, kind) =>
  planText(engineFile)
    .split('\n')
    .filter((l) => l.startsWith(`note ${kind}`));
const withEnv = async (vars, fn) => {
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(vars)) delete process.env[k];
  }
};
const dynamicOnnx = identityOnnx([['images', ['batch', 3, 'height', 'width']]], [['output0', ['batch', 3, 'height', 'width']]]);

await check('capabilities: the builder resource is found next to libnvinfer (LD_LIBRARY_PATH empty)', () => {
  assert.equal(process.env.LD_LIBRARY_PATH ?? '', '');
  assert.equal(caps.tensorrt.builder.available, true, caps.tensorrt.builder.reason);
  assert.ok(
    caps.tensorrt.builder.resources.every((r) => r.startsWith(caps.tensorrt.libraryPath.replace(/\/[^/]*$/, '/'))),
    caps.tensorrt.builder.resources.join(),
  );
  assert.match(caps.tensorrt.builder.resources[0], major >= 11 ? /libnvinfer_builder_resource_(ptx|sm\d+)\.so\./ : /libnvinfer_builder_resource\.so\./);
});

await check(
  "buildEngine end to end: ONNX through the parser, the profile given, an engine that loads and runs, warnings from TensorRT's threads reported",
  async () => {
    const phases = [];
    const { engine, report } = await buildEngine({ onnx: dynamicOnnx, shapes: 'images:1x3x8x8,1x3x16x16,2x3x32x32', onProgress: (p) => phases.push(p) });
    assert.deepEqual(report.profiles, ['images:1x3x8x8,1x3x16x16,2x3x32x32']);
    assert.ok(
      report.warnings.some((w) => /warning logged from a builder thread/.test(w)),
      report.warnings.join('\n'),
    );
    assert.equal(report.tensorrtVersion, caps.tensorrt.version);
    if (major >= 10)
      assert.ok(
        phases.some((p) => p.phase === 'build' && p.detail === 'Building engine'),
        JSON.stringify(phases),
      );
    const backend = await TensorRtBackend.load(engine);
    assert.deepEqual(backend.info.profiles[0].images, { min: [1, 3, 8, 8], opt: [1, 3, 16, 16], max: [2, 3, 32, 32] });
    assert.deepEqual(backend.info.names, ['a', 'b']);
    const input = feed([2, 3, 20, 24], 3);
    sameAsInput(await backend.run(input), input);
    await backend.dispose();
  },
);

await check('buildEngine sets dimensions only for dynamic inputs and adds no profile to a static network, as trtexec builds', async () => {
  const mixed = identityOnnx([
    ['images', ['batch', 3, 'h', 'w']],
    ['scale', [1, 4]],
  ]);
  const { engine } = await buildEngine({ onnx: mixed, shapes: 'images:1x3x8x8,1x3x16x16,2x3x32x32', metadata: false });
  const set = notes(engine, 'setDimensions');
  assert.equal(set.length, 3, set.join('\n'));
  assert.ok(
    set.every((l) => / images /.test(l)),
    set.join('\n'),
  );
  assert.deepEqual(notes(engine, 'profiles'), ['note profiles 1']);
  const fixed = identityOnnx([['images', [1, 3, 8, 8]]]);
  const built = await buildEngine({ onnx: fixed, metadata: false });
  assert.deepEqual(notes(built.engine, 'profiles'), ['note profiles 0']);
  assert.deepEqual(notes(built.engine, 'setDimensions'), []);
  assert.deepEqual(built.report.profiles, ['images:1x3x8x8,1x3x8x8,1x3x8x8']);
  const backend = await TensorRtBackend.load(built.engine);
  sameAsInput({ output0: (await backend.run(feed([1, 3, 8, 8], 1))).images_out }, feed([1, 3, 8, 8], 1));
  await backend.dispose();
});

// A top-level step every 2 s: a flag read only there would be seen 1.5 s after the abort.
await check(
  'buildEngine: aborted 500 ms into a 4 s build, rejects with ERR_ABORTED and TensorRT stops within a second (10+; before 10, when the build ends)',
  async () => {
    await withEnv({ FAKE_TRT_BUILD_STEPS: '2', FAKE_TRT_TACTIC_STEPS: '40', FAKE_TRT_STEP_MS: '50' }, async () => {
      const controller = new AbortController();
      const started = performance.now();
      const slow = buildEngine({ onnx: dynamicOnnx, signal: controller.signal });
      setTimeout(() => controller.abort(), 500);
      const err = await slow.then(
        () => undefined,
        (e) => e,
      );
      const rejectedAfter = performance.now() - started - 500;
      assert.equal(err?.code, 'ERR_ABORTED', String(err));
      assert.ok(rejectedAfter < 1000, `rejected ${rejectedAfter.toFixed(0)} ms after the abort`);
      // The next build starts only once TensorRT has let go of the cancelled one.
      delete process.env.FAKE_TRT_STEP_MS;
      const second = await buildEngine({ onnx: dynamicOnnx, metadata: false });
      const stoppedAfter = second.report.timing.queueMs;
      if (major >= 10)
        assert.ok(second.report.timing.queueMs < 1000, `the next build waited ${second.report.timing.queueMs.toFixed(0)} ms for TensorRT to stop`);
      else assert.ok(second.report.timing.queueMs > 1500, 'before TensorRT 10 nothing stops a running build');
      console.log(`     rejected ${rejectedAfter.toFixed(0)} ms after the abort; the next build waited ${stoppedAfter.toFixed(0)} ms`);
    });
  },
);

await check('buildEngine: four builds wait in JavaScript, not on libuv threads: inference and file reads go on meanwhile', async () => {
  const backend = await TensorRtBackend.load(engine);
  const { readFile } = await import('node:fs/promises');
  await withEnv({ FAKE_TRT_BUILD_STEPS: '2', FAKE_TRT_TACTIC_STEPS: '10', FAKE_TRT_STEP_MS: '60' }, async () => {
    const all = [0, 1, 2, 3].map(() => buildEngine({ onnx: dynamicOnnx, metadata: false }));
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    sameAsInput(await backend.run(feed([1, 3, 8, 8], 5)), feed([1, 3, 8, 8], 5));
    await readFile(process.argv[2]);
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `a run and a file read took ${ms.toFixed(0)} ms while 4 builds were queued`);
    const reports = (await Promise.all(all)).map((r) => r.report);
    // One at a time, in whatever order they reached the queue (each build takes 1.2 s on the stand-in).
    const waited = reports.map((r) => Math.round(r.timing.queueMs)).sort((a, b) => a - b);
    assert.ok(
      waited.every((w, i) => i === 0 || w - waited[i - 1] > 1000),
      `builds run one after the other: waited ${waited.join(', ')} ms`,
    );
    console.log(`     a run and a file read: ${ms.toFixed(0)} ms with 4 builds queued; the last waited ${waited[3]} ms`);
  });
  await backend.dispose();
});

await check('buildEngine: detaching the model buffer and collecting garbage mid-build, then aborting, cannot crash', async () => {
  await withEnv({ FAKE_TRT_BUILD_STEPS: '2', FAKE_TRT_TACTIC_STEPS: '10', FAKE_TRT_STEP_MS: '20' }, async () => {
    for (let i = 0; i < 4; i++) {
      const buffer = new ArrayBuffer(dynamicOnnx.length);
      new Uint8Array(buffer).set(dynamicOnnx);
      const controller = new AbortController();
      const building = buildEngine({ onnx: new Uint8Array(buffer), signal: controller.signal, onProgress: () => globalThis.gc?.() }).then(
        () => 'built',
        (e) => e,
      );
      await new Promise((r) => setTimeout(r, 60 + i * 40));
      structuredClone(buffer, { transfer: [buffer] }); // detached
      assert.equal(buffer.byteLength, 0);
      for (let k = 0; k < 3; k++) globalThis.gc?.();
      if (i % 2) controller.abort();
      const outcome = await building;
      assert.ok(outcome === 'built' || (outcome instanceof TrtjsError && outcome.code === 'ERR_ABORTED'), String(outcome));
    }
  });
});

await check('buildEngine refuses with ERR_TRT_UNAVAILABLE when no builder resource is next to libnvinfer (and loading still works)', async () => {
  const { mkdtempSync, copyFileSync, readdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, dirname } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const from = dirname(caps.tensorrt.libraryPath);
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-no-resource-'));
  for (const f of readdirSync(from)) if (/^lib(nvinfer|nvonnxparser)\.so\.\d+$/.test(f)) copyFileSync(join(from, f), join(dir, f));
  const file = join(dir, 'plain.engine');
  writeFileSync(file, plan);
  const script = `const t = await import(${JSON.stringify(process.argv[2])});
    const caps = await t.capabilities();
    const built = await t.buildEngine({ onnx: new Uint8Array(${JSON.stringify(Array.from(dynamicOnnx))}) }).then(() => 'built', (e) => e.code + ': ' + e.message);
    const e = await t.inspectEngine(${JSON.stringify(file)});
    console.log(JSON.stringify({ builder: caps.tensorrt.builder, built, inputs: e.inputs.length }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TRTJS_TENSORRT_LIB_DIR: dir }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(out.builder.available, false);
  assert.match(
    out.builder.reason,
    /libnvinfer_builder_resource\.so\.\d+\.\d+\.\d+ \(TensorRT's builder kernels\) is neither next to .*trtjs-no-resource-.* nor found by the dynamic loader/,
  );
  assert.match(out.built, /^ERR_TRT_UNAVAILABLE: buildEngine: TensorRT's builder is unavailable: libnvinfer_builder_resource/);
  assert.equal(out.inputs, 1);
});

// ---- loading (issue #16) ------------------------------------------------------------------------------------------

await check('a plan with vectorized IO (chw16) is described and refused for inference with ERR_ENGINE_INCOMPATIBLE naming the layout', async () => {
  const chw16 = enc('ftrt-fake\nin x 1 1,3,4,4\nout y 1 1,3,4,4 x\nformat x 4 1 16\nformat y 4 1 16\n');
  const e = await inspectEngine(chw16);
  assert.deepEqual(e.formats, { x: ['chw16'], y: ['chw16'] });
  const before = PinnedBuffer.bytesInUse();
  await rejects(
    TensorRtBackend.load(chw16),
    'ERR_ENGINE_INCOMPATIBLE',
    /input 'x' has TensorRT's chw16 layout \(Sixteen wide channel vectorized row major format\), but trtjs exchanges row-major \(linear\) tensors only/,
  );
  assert.equal(PinnedBuffer.bytesInUse(), before, 'nothing kept');
  const perProfile = enc(`${new TextDecoder().decode(plan)}format output0 2 1 8 1\n`);
  if (major > 8 || minor >= 6)
    await rejects(TensorRtBackend.load(perProfile), 'ERR_ENGINE_INCOMPATIBLE', /output 'output0' has TensorRT's hwc8 layout in profile 1/);
});

await check('a version-compatible plan (host code, no ftrt tag) is refused unless allowHostCode, which warns', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const file = join(mkdtempSync(join(tmpdir(), 'trtjs-vc-')), 'model.engine');
  writeFileSync(file, enc('xtrt-fake\nin x 0 1,4\nout y 0 1,4 x\nhostcode\n'));
  await rejects(
    TensorRtBackend.load(file),
    'ERR_ENGINE_INCOMPATIBLE',
    /does not start with TensorRT's 'ftrt' tag.*does not allow engine host code.*load it with allowHostCode: true/s,
  );
  if (major > 8 || minor >= 6) {
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    const backend = await TensorRtBackend.load(file, { allowHostCode: true });
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.ok(
      warnings.some((w) => w.code === 'TRTJS_ENGINE_HOST_CODE' && /model\.engine may run host code/.test(w.message)),
      warnings.map(String).join(),
    );
    const out = await backend.run({ x: { dtype: 'float32', dims: [1, 4], data: new Float32Array([1, 2, 3, 4]) } });
    assert.deepEqual(Array.from(out.y.data), [1, 2, 3, 4]);
    await backend.dispose();
  } else {
    await rejects(TensorRtBackend.load(file, { allowHostCode: true }), 'ERR_BAD_INPUT', /options\.allowHostCode must be false on TensorRT 8\.5/);
  }
});

await check('what TensorRT warns while loading a plan is reported: inspectEngine().warnings and backend.info.warnings', async () => {
  const warned = enc(
    'ftrt-fake\nin x 0 1,4\nout y 0 1,4 x\nwarn Using an engine plan file across different models of devices is not recommended\nthreadwarn from a TensorRT thread\n',
  );
  const e = await inspectEngine(warned);
  assert.deepEqual(e.warnings, [
    'fake TensorRT: Using an engine plan file across different models of devices is not recommended',
    'fake TensorRT: from a TensorRT thread',
  ]);
  const backend = await TensorRtBackend.load(warned);
  assert.ok(backend.info.warnings.some((w) => /across different models of devices/.test(w)));
  await backend.dispose();
});

await check('load warnings reach Detector, Predictor and ModelHost users: .warnings, a warning event and the version record', async () => {
  const warnedDetector = writeEngineFile(
    enc(
      `ftrt-fake\nin images 0 1,3,32,32\nconst output0 0 1,6,4 ${head(0.9, 0.8)}\nwarn Using an engine plan file across different models of devices is not recommended\n`,
    ),
    { names: { 0: 'a', 1: 'b' }, imgsz: [32, 32], stride: 32, task: 'detect', batch: 1 },
  );
  const expected = 'fake TensorRT: Using an engine plan file across different models of devices is not recommended';
  const d = await Detector.create(warnedDetector);
  assert.ok(d.warnings.includes(expected), d.warnings.join('\n'));
  await d.dispose();
  const p = await Predictor.create(warnedDetector);
  assert.ok(p.warnings.includes(expected), p.warnings.join('\n'));
  await p.dispose();
  const plain = await Detector.create(detector(head(0.9, 0.8)));
  assert.ok(!plain.warnings.some((w) => /across different models/.test(w)), plain.warnings.join('\n'));
  await plain.dispose();
  const host = await ModelHost.open(detector(head(0.9, 0.8)), { minSwapIntervalMs: 0 });
  const events = [];
  host.on('warning', (e) => events.push(e));
  await host.swap(warnedDetector);
  assert.ok(
    events.some((e) => e.message === expected && /byte model/.test(e.source)),
    JSON.stringify(events),
  );
  assert.ok(host.status().current.warnings.includes(expected));
  await host.close();
});

await check('allocationStrategy: "profile" reserves per context what its profile needs (TensorRT 10+), reported per context', async () => {
  const sized = enc(`${new TextDecoder().decode(plan)}memory 4000000\nprofilememory 0 1000000\nprofilememory 1 4000000\n`);
  const e = await inspectEngine(sized);
  assert.equal(e.deviceMemory, 4000000);
  if (major >= 10) {
    assert.deepEqual(e.profileMemory, [1000000, 4000000]);
    const used = async (options) => {
      const before = (await deviceMemory()).free;
      const backend = await TensorRtBackend.load(sized, { contexts: 2, ...options });
      const taken = before - (await deviceMemory()).free;
      const contextMemory = backend.contextMemory;
      sameAsInput(await backend.run(feed([3, 3, 20, 20], 2)), feed([3, 3, 20, 20], 2));
      await backend.dispose();
      return { taken, contextMemory };
    };
    const byStatic = await used({});
    const byProfile = await used({ allocationStrategy: 'profile' });
    assert.deepEqual(byStatic.contextMemory, [4000000, 4000000, 4000000, 4000000]);
    assert.deepEqual(byProfile.contextMemory, [1000000, 1000000, 4000000, 4000000]);
    if (onStandInGpu) assert.equal(byStatic.taken - byProfile.taken, 6000000);
  } else {
    assert.equal(e.profileMemory, undefined);
    await rejects(
      TensorRtBackend.load(sized, { allocationStrategy: 'profile' }),
      'ERR_BAD_INPUT',
      /options\.allocationStrategy must be 'static' on TensorRT 8\.\d+\.\d+ \('profile', kON_PROFILE_CHANGE, needs TensorRT 10 or newer\), received "profile"/,
    );
  }
  await rejects(
    TensorRtBackend.load(sized, { allocationStrategy: 'dynamic' }),
    'ERR_BAD_INPUT',
    /options\.allocationStrategy must be one of 'static', 'profile', received "dynamic"/,
  );
});

// ---- chaos ----------------------------------------------------------------------------------------------------------

await check('chaos: random interleavings of run, dispose, abort and swap on TensorRtBackend, Detector and ModelHost over engines', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-chaos-'));
  const file = (name, bytes) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const heads = [file('one.engine', detector(head(0.9, 0.8))), file('two.engine', detector(head(0.85, 0.75)))];
  const bad = [file('bad.engine', writeEngineFile(enc('ftrt-garbage'), {})), file('big.engine', detector(head(0.9, 0.8), undefined, 64))];
  const image = { data: new Uint8Array(64 * 64 * 3).fill(100), width: 64, height: 64, channels: 3, order: 'rgb' };
  let seed = Number(process.env.TRT_CHAOS_SEED ?? 7) >>> 0 || 7;
  const rand = () => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed / 2 ** 32;
  };
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const memory = (await deviceMemory()).free;
  const pinned = PinnedBuffer.bytesInUse();
  const outcomes = {};
  const violations = [];
  const allowed = new Set(['ERR_DISPOSED', 'ERR_ABORTED', 'ERR_QUEUE_FULL']);
  const settleAll = async (promises, what) => {
    let timer;
    const r = await Promise.race([Promise.allSettled(promises), new Promise((res) => (timer = setTimeout(() => res('hung'), 30000)))]);
    clearTimeout(timer);
    if (r === 'hung') violations.push(`${what}: a promise never settled`);
    return r === 'hung' ? [] : r;
  };
  process.env.FAKE_TRT_ENQUEUE_MS = '2';
  const rounds = Number(process.env.TRT_CHAOS_ROUNDS ?? 12);
  for (let round = 0; round < rounds; round++) {
    const kind = pick(['backend', 'detector', 'host']);
    const maxQueue = rand() < 0.2 ? 4 : undefined;
    const target =
      kind === 'backend'
        ? await TensorRtBackend.load(engine, { contexts: 1 + Math.floor(rand() * 2), maxQueue })
        : kind === 'detector'
          ? await Detector.create(pick(heads), { maxQueue })
          : await ModelHost.open(pick(heads), { minSwapIntervalMs: 0, warmup: 0, drainTimeoutMs: pick([0, 50, 30000]), maxQueue, detector: { maxQueue } });
    const end = () => (kind === 'host' ? target.close() : target.dispose());
    const controllers = [];
    const calls = [];
    const request = () => {
      let signal;
      const r = rand();
      if (r < 0.05) signal = AbortSignal.abort();
      else if (r < 0.35) {
        const c = new AbortController();
        controllers.push(c);
        signal = c.signal;
        if (rand() < 0.5) setTimeout(() => c.abort(), Math.floor(rand() * 30));
      }
      if (kind === 'backend') {
        const dims = pick([
          [1, 3, 8, 8],
          [2, 3, 24, 24],
          [4, 3, 32, 32],
          [1, 3, 16, 12],
        ]);
        const input = feed(dims, calls.length);
        const p = target.run(input, signal ? { signal } : undefined).then((out) => {
          sameAsInput(out, input);
          return 'ok';
        });
        p.catch(() => {});
        return p;
      }
      const p = target.detect(image, signal ? { signal } : undefined).then((d) => {
        if (!Array.isArray(d) || d.length !== 2) throw new Error(`bad result ${JSON.stringify(d)}`);
        return 'ok';
      });
      p.catch(() => {});
      return p;
    };
    const n = 1 + Math.floor(rand() * 40);
    for (let i = 0; i < n; i++) calls.push(request());
    const actions = [];
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      await sleep(Math.floor(rand() * 40));
      const what = kind === 'host' ? pick(['swap', 'badSwap', 'abortAll', 'close', 'more']) : pick(['dispose', 'abortAll', 'more', 'more']);
      if (what === 'dispose' || what === 'close') actions.push(end().catch((e) => e));
      else if (what === 'abortAll')
        controllers.forEach((c) => {
          c.abort();
        });
      else if (what === 'more') for (let i = 0; i < 8; i++) calls.push(request());
      else if (what === 'swap') actions.push(target.swap(pick(heads), { force: true }).catch((e) => e));
      else if (what === 'badSwap') actions.push(target.swap(pick(bad), { force: true }).catch((e) => e));
    }
    for (const r of await settleAll(calls, `round ${round}`)) {
      if (r.status === 'fulfilled') outcomes.ok = (outcomes.ok ?? 0) + 1;
      else {
        const code = r.reason?.code;
        outcomes[code ?? 'uncoded'] = (outcomes[code ?? 'uncoded'] ?? 0) + 1;
        if (!(r.reason instanceof TrtjsError)) violations.push(`round ${round} (${kind}): rejected with a non-TrtjsError: ${r.reason?.stack ?? r.reason}`);
        else if (!allowed.has(code)) violations.push(`round ${round} (${kind}): unexpected ${code}: ${r.reason.message}`);
      }
    }
    for (const r of await settleAll(actions, `round ${round} actions`)) {
      const v = r.value;
      if (v instanceof Error && !(v instanceof TrtjsError)) violations.push(`round ${round}: an action failed with a non-TrtjsError: ${v}`);
    }
    await settleAll([end()], `round ${round} end`);
  }
  delete process.env.FAKE_TRT_ENQUEUE_MS;
  for (let k = 0; k < 3; k++) {
    globalThis.gc?.();
    await sleep(20);
  }
  assert.deepEqual(violations, []);
  assert.equal(TensorRtBackend.live, 0, 'TensorRtBackends still alive');
  assert.equal(PinnedBuffer.bytesInUse(), pinned, 'pinned staging still held');
  assert.ok(memory - (await deviceMemory()).free <= slack, 'device memory not given back');
  assert.ok((outcomes.ok ?? 0) > 0);
  console.log(`     ${rounds} rounds: ${JSON.stringify(outcomes)}`);
});

console.log(failures ? `FAILED: ${failures} failed` : 'passed: 0 failed');
process.exit(failures ? 1 : 0);
