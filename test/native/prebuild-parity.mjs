// The CPU ops of a prebuild against the same references as the unit tier's parity tests, run where the prebuild must
// work (scripts/check-prebuilds.sh): the linux-x64 one on an older glibc, the linux-arm64 one by an arm64 Node under
// emulation, where char signedness and the absence of x86 SIMD must not change a byte. The letterbox must give
// OpenCV's hashes (test/reference/letterbox_opencv.json), and decode and NMS the same detections, to the bit, as the
// x86-64 build the unit tier checks against the reference decode, torchvision's rule and real model outputs.
//   node prebuild-parity.mjs prepare <dir>   (x86-64, in the project: decodes the fixtures, runs the fixture models
//                                             with ONNX Runtime, writes the inputs and the x86-64 results to <dir>)
//   node prebuild-parity.mjs run <dir>       (with PREBUILDS_ONLY=1: runs the ops on those inputs with the prebuild,
//                                             prints each check, exits 1 on a failure)
// Only lib/ops (dist/ops) is imported when running: the package entry imports sharp, whose binary may not be there.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [mode, dir] = process.argv.slice(2);
if (!['prepare', 'run'].includes(mode) || !dir) {
  console.error('usage: prebuild-parity.mjs prepare|run <dir>');
  process.exit(2);
}
const { letterbox } = await import(join(root, 'dist/ops/letterbox.js'));
const { decode } = await import(join(root, 'dist/ops/decode.js'));
const { nms } = await import(join(root, 'dist/ops/nms.js'));

const sha256 = (a) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
const reference = JSON.parse(readFileSync(join(root, 'test/reference/letterbox_opencv.json'), 'utf8'));

/** Seeded xorshift: the same "random" inputs on both machines without shipping them. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Decode option variants applied to every head output. */
const decodeVariants = [{}, { conf: 0.05, iou: 0.5 }, { agnostic: true, maxDet: 20 }, { multiLabel: true, conf: 0.1 }, { classes: [0, 5] }];

function detectionsHash(list) {
  const h = createHash('sha256');
  for (const d of list) {
    h.update(String(d.count));
    for (const a of [d.boxes, d.scores, d.classes]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

/** NMS inputs with ties and duplicates, per class and agnostic, with and without limits. */
function nmsCases() {
  const cases = [];
  for (let k = 0; k < 6; k++) {
    const r = rng(1000 + k);
    const n = [50, 300, 1000, 7, 2000, 128][k];
    const boxes = new Float32Array(n * 4);
    const scores = new Float32Array(n);
    const classes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = r() * 600,
        y = r() * 600,
        w = 5 + r() * 120,
        h = 5 + r() * 120;
      boxes.set([x, y, x + w, y + h], i * 4);
      scores[i] = k === 3 ? 0.5 : Math.round(r() * 100) / 100; // many equal scores: ties broken by index
      classes[i] = Math.floor(r() * 4);
      if (i % 9 === 0 && i > 0) boxes.set(boxes.subarray((i - 1) * 4, i * 4), i * 4); // duplicates
    }
    cases.push({
      boxes,
      scores,
      classes,
      iou: [0.45, 0.7, 0.3, 0.5, 0.6, 0.45][k],
      agnostic: k % 2 === 1,
      maxDet: k === 4 ? 100 : undefined,
      scoreThreshold: k === 5 ? 0.25 : undefined,
    });
  }
  return cases;
}

function runNms() {
  return nmsCases().map((c) =>
    sha256(nms(c.boxes, c.scores, { iou: c.iou, classes: c.agnostic ? undefined : c.classes, maxDet: c.maxDet, scoreThreshold: c.scoreThreshold })),
  );
}

if (mode === 'prepare') {
  mkdirSync(dir, { recursive: true });
  const { loadImage } = await import(join(root, 'dist/image/load.js'));
  const { OnnxRuntimeBackend } = await import(join(root, 'dist/backends/onnxruntime.js'));
  const fixtures = process.env.TRTJS_FIXTURES ?? join(root, '..', 'shared', 'fixtures');
  const images = {};
  for (const name of ['bus.jpg', 'zidane.jpg']) {
    const img = await loadImage(join(fixtures, 'images', name));
    writeFileSync(join(dir, `${name}.rgb`), img.data);
    images[name] = { width: img.width, height: img.height };
  }
  // Real head outputs: the unit tier's models, each on both pictures.
  const heads = [];
  for (const m of [
    { file: 'yolov8n_int8.onnx', half: false, end2end: false },
    { file: 'yolov10n_int8.onnx', half: false, end2end: true },
    { file: 'yolov5n_fp16.onnx', half: true, end2end: false },
  ]) {
    const backend = await OnnxRuntimeBackend.load(join(fixtures, 'models', m.file));
    for (const name of Object.keys(images)) {
      const raw = readFileSync(join(dir, `${name}.rgb`));
      const lb = letterbox(
        { data: new Uint8Array(raw), width: images[name].width, height: images[name].height, channels: 3, order: 'rgb' },
        m.half ? { dtype: 'float16' } : {},
      );
      const input = backend.info.inputs[0].name;
      const out = Object.values(await backend.run({ [input]: { dtype: m.half ? 'float16' : 'float32', dims: lb.shape, data: lb.data } }))[0];
      const file = `${m.file}.${name}.out`;
      writeFileSync(join(dir, file), new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength));
      heads.push({ file, dims: out.dims, half: out.data instanceof Uint16Array, end2end: m.end2end });
    }
    await backend.dispose();
  }
  const expected = { images, heads, decode: [], nms: runNms() };
  for (const h of heads) {
    const bytes = readFileSync(join(dir, h.file));
    const data = h.half
      ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
      : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expected.decode.push(decodeVariants.map((v) => detectionsHash(decode(data, h.dims, { end2end: h.end2end, ...v }))));
  }
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected));
  console.log(`prepared ${heads.length} head outputs, ${expected.nms.length} NMS cases on ${process.arch} in ${dir}`);
  process.exit(0);
}

// run
let passed = 0,
  failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  ok ? passed++ : failed++;
};
const { tryLoadAddon } = await import(join(root, 'dist/native/binding.js'));
const { addon, error } = tryLoadAddon();
const glibc = process.report.getReport().header.glibcVersionRuntime;
check(
  !!addon,
  `the addon loads on ${process.arch}, glibc ${glibc}${addon ? ` (${addon.buildInfo().layers}, built by GCC ${addon.buildInfo().compiler})` : `: ${error}`}`,
);
if (!addon) process.exit(1);
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const images = {};
for (const [name, size] of Object.entries(expected.images)) {
  images[name] = { data: new Uint8Array(readFileSync(join(dir, `${name}.rgb`))), width: size.width, height: size.height, channels: 3, order: 'rgb' };
  check(sha256(images[name].data) === reference.images[name].rgbSha256, `${name}: the decoded pixels are cv2.imread's`);
}
let same = 0;
for (const c of reference.cases) {
  const lb = letterbox(images[c.image], c.options);
  if (sha256(lb.data) === c.sha256) same++;
  else check(false, `letterbox ${c.image} ${JSON.stringify(c.options)}: not OpenCV's bytes`);
}
check(same === reference.cases.length, `letterbox: ${same}/${reference.cases.length} option cases byte-exact with OpenCV ${reference.opencv}`);
expected.heads.forEach((h, i) => {
  const bytes = readFileSync(join(dir, h.file));
  const data = h.half
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
    : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const got = decodeVariants.map((v) => detectionsHash(decode(data, h.dims, { end2end: h.end2end, ...v })));
  const ok = got.every((g, k) => g === expected.decode[i][k]);
  check(ok, `decode ${h.file} [${h.dims}]${h.half ? ' float16' : ''}: ${decodeVariants.length} option sets bit-identical to x86-64`);
});
const n = runNms();
check(
  n.every((g, k) => g === expected.nms[k]),
  `nms: ${n.length} cases (ties, duplicates, per class and agnostic, limits) identical to x86-64`,
);
console.log(`passed: ${passed}, failed: ${failed}`);
process.exit(failed ? 1 : 0);
