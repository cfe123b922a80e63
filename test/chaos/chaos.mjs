// Chaos run: random interleavings of detect / predict / swap / dispose / close / abort / canary / worker death under
// load on the ONNX Runtime backend (a Detector, a ModelHost, or a Predictor of a segmentation model), in a process of
// its own. Checks that every promise settles exactly once with a result or
// a coded error, that nothing crashes or hangs, that no backend stays alive and that memory comes back.
//   node --expose-gc test/chaos/chaos.mjs <dist dir> <rounds> <seed>
// Prints one JSON line: { seed, rounds, kinds, interleavings, requests, outcomes, hung, violations, live, rssMb }, where
// seed is the one the run used (an argument of 0 or not a number runs as 1): passing it again replays the run.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [distArg = 'dist', roundsArg = '20', seedArg = '1'] = process.argv.slice(2);
const dist = resolve(distArg);
const t = await import(join(dist, 'index.js'));
const ortModule = await import(join(dist, 'backends', 'onnxruntime.js'));
const fixtures = resolve(process.env.TRTJS_FIXTURES ?? '../shared/fixtures');
const modelPath = join(fixtures, 'models', 'yolo11n_int8_320.onnx');
const model = readFileSync(modelPath);
const truncated = model.subarray(0, model.length >> 1);
const segModel = readFileSync(join(fixtures, 'models', 'yolov8n-seg_int8_320.onnx'));
const image = await t.loadImage(join(fixtures, 'images', 'bus.jpg'));
const imagePath = join(fixtures, 'images', 'bus.jpg');

let seed = Number(seedArg) >>> 0 || 1;
// rand() advances `seed`; the summary must name the one a rerun needs.
const startSeed = seed;
const rand = () => {
  // xorshift32: a run is reproducible from its seed
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const outcomes = {};
const kinds = {};
const violations = [];
let interleavings = 0;
let requests = 0;
let hung = 0;
const count = (k) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
/** Marks a promise handled at once (it is examined after the round), returning it unchanged. */
const handled = (p) => {
  p.catch(() => {});
  return p;
};

/** Awaits promises with a watchdog; returns their settlements or marks the round as hung. */
async function settleAll(promises, ms, what) {
  let settled = 0;
  for (const p of promises)
    p.then(
      () => settled++,
      () => settled++,
    );
  let timer;
  const watchdog = new Promise((r) => (timer = setTimeout(() => r('hung'), ms)));
  const r = await Promise.race([Promise.allSettled(promises), watchdog]);
  clearTimeout(timer);
  if (r === 'hung') {
    hung++;
    violations.push(`${what}: ${promises.length - settled} of ${promises.length} promises never settled`);
    return undefined;
  }
  return r;
}

const allowed = new Set(['ERR_DISPOSED', 'ERR_ABORTED', 'ERR_QUEUE_FULL']);

async function round(index) {
  const kind = pick(['host', 'host', 'detector', 'detector', 'predictor']);
  kinds[kind] = (kinds[kind] ?? 0) + 1;
  const useHost = kind === 'host';
  const maxQueue = rand() < 0.1 ? 8 : undefined;
  const target = useHost
    ? await t.ModelHost.open(model, { minSwapIntervalMs: 0, warmup: 0, drainTimeoutMs: pick([0, 20, 30_000]), maxQueue, detector: { maxQueue } })
    : kind === 'predictor'
      ? await t.Predictor.create(segModel, { maxQueue })
      : await t.Detector.create(model, { maxQueue });
  // Each target's request: detections, or a segmentation result.
  const request = (input, options) => (kind === 'predictor' ? target.predict(input, options) : target.detect(input, options));
  const valid = (value) => (kind === 'predictor' ? value?.task === 'segment' && Array.isArray(value.masks?.data) : Array.isArray(value));
  const backendOf = () => (useHost ? undefined : target.backend);
  const end = () => (useHost ? target.close() : target.dispose());
  const controllers = [];
  const calls = [];
  const n = 1 + Math.floor(rand() * 80);
  let crashed = false;
  for (let i = 0; i < n; i++) {
    let signal;
    const r = rand();
    if (r < 0.05) signal = AbortSignal.abort();
    else if (r < 0.3) {
      const c = new AbortController();
      controllers.push(c);
      signal = c.signal;
      if (rand() < 0.5) setTimeout(() => c.abort(), Math.floor(rand() * 100));
    }
    const input = rand() < 0.7 ? image : imagePath;
    requests++;
    calls.push(handled(request(input, signal ? { signal } : undefined)));
  }
  // Things happen while the requests run.
  const actions = [];
  const k = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < k; i++) {
    const what = useHost
      ? pick(['swap', 'swap', 'badSwap', 'canaryClose', 'abortAll', 'crash', 'close'])
      : pick(['dispose', 'abortAll', 'crash', 'detectMore']);
    interleavings++;
    await sleep(Math.floor(rand() * 150));
    if (what === 'dispose' || what === 'close') actions.push(handled(end()));
    else if (what === 'abortAll') for (const c of controllers) c.abort();
    else if (what === 'crash') {
      const backend = backendOf();
      if (backend && ortModule.crashWorkerForTesting) {
        crashed = true;
        ortModule.crashWorkerForTesting(backend);
      }
    } else if (what === 'detectMore') {
      for (let j = 0; j < 10; j++) {
        requests++;
        calls.push(handled(request(image)));
      }
    } else if (what === 'swap') actions.push(target.swap(model, { force: true }).catch((e) => e));
    else if (what === 'badSwap') actions.push(target.swap(truncated, { force: true }).catch((e) => e));
    else if (what === 'canaryClose') {
      actions.push(target.canary(model, { fraction: 0.5, minRequests: 1000 }).catch((e) => e));
      await sleep(Math.floor(rand() * 200));
      actions.push(handled(end()));
    }
  }
  const results = await settleAll(calls, 60_000, `round ${index}`);
  if (results) {
    for (const r of results) {
      if (r.status === 'fulfilled') {
        if (!valid(r.value)) violations.push(`round ${index}: a ${kind} request resolved to ${typeof r.value} ${r.value?.task ?? ''}`);
        count('ok');
      } else {
        const code = r.reason?.code;
        count(code ?? `raw ${r.reason?.constructor?.name}: ${String(r.reason?.message).slice(0, 60)}`);
        if (!(r.reason instanceof t.TrtjsError)) violations.push(`round ${index}: rejected with a non-TrtjsError: ${r.reason}`);
        else if (!allowed.has(code) && !(crashed && code === 'ERR_NATIVE')) violations.push(`round ${index}: unexpected ${code}: ${r.reason.message}`);
      }
    }
  }
  const swaps = await settleAll(actions, 60_000, `round ${index} actions`);
  for (const s of swaps ?? []) {
    const v = s.status === 'fulfilled' ? s.value : s.reason;
    if (v instanceof Error && !(v instanceof t.TrtjsError)) violations.push(`round ${index}: an action failed with a non-TrtjsError: ${v}`);
  }
  await settleAll([end()], 60_000, `round ${index} dispose`);
}

const rss0 = process.memoryUsage().rss;
const rounds = Number(roundsArg);
for (let i = 0; i < rounds; i++) await round(i);
globalThis.gc?.();
await sleep(200);
globalThis.gc?.();
const live = t.OnnxRuntimeBackend.live;
if (live !== 0) violations.push(`${live} ONNX Runtime backends still alive`);
const rssMb = { start: Math.round(rss0 / 2 ** 20), end: Math.round(process.memoryUsage().rss / 2 ** 20) };
console.log(JSON.stringify({ seed: startSeed, rounds, kinds, interleavings, requests, outcomes, hung, violations, live, rssMb }));
process.exit(violations.length ? 1 : 0);
