// The public TensorRT API (capabilities, inspectEngine, TensorRtBackend) end to end through the real N-API glue and
// TypeScript, on the CPU: the addon built with the stand-in CUDA runtime, libnvinfer being the stand-in
// (scripts/check-trt-runtime.sh sets both up). Every output of the stand-in is a copy of its input.
//   node backend_check.mjs <package copy>/dist/index.js      prints each check; exits 1 on a failure
import assert from 'node:assert/strict';

const t = await import(process.argv[2]);
const { capabilities, deviceMemory, inspectEngine, writeEngineFile, TensorRtBackend } = t;
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
const engine = writeEngineFile(plan, { names: { 0: 'a', 1: 'b' }, imgsz: [32, 32], task: 'detect', tensorrt: caps.tensorrt.version, device: 'trtjs stand-in GPU' });
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

await check('capabilities: the stand-in GPU and libnvinfer are found and usable', () => {
  assert.equal(caps.cuda.available, true);
  assert.equal(caps.cuda.devices[0].name, 'trtjs stand-in GPU');
  assert.equal(caps.tensorrt.available, true, caps.tensorrt.reason);
  assert.equal(caps.tensorrt.version, caps.addon.tensorrtHeaders);
});

await check('inspectEngine: IO tensors, both profiles, metadata and provenance', async () => {
  const e = await inspectEngine(engine);
  assert.deepEqual(e.inputs, [{ name: 'images', dtype: 'float32', shape: [-1, 3, -1, -1] }]);
  assert.deepEqual(e.outputs, [{ name: 'output0', dtype: 'float32', shape: [-1, 3, -1, -1] }]);
  assert.deepEqual(e.profiles[1].images, { min: [1, 3, 16, 16], opt: [2, 3, 32, 32], max: [4, 3, 32, 32] });
  assert.deepEqual(e.names, ['a', 'b']);
  assert.equal(e.tensorrt.builtOn, 'trtjs stand-in GPU');
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
  assert.ok(during < before, 'loading took device memory');
  assert.equal((await deviceMemory()).free, before);
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

console.log(failures ? `FAILED: ${failures} failed` : 'passed: 0 failed');
process.exit(failures ? 1 : 0);
