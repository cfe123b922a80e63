/**
 * The bench harness's own cost per query (issue 13): bench() on a trivial backend whose run() resolves at once,
 * against a bare `await backend.run()` loop over the same backend, in the same run, interleaved. The difference per
 * query is what the harness adds (timestamps, records, its loop) to every figure; it should be a few microseconds,
 * small next to a 1 ms inference. Exits non-zero when it exceeds 20 µs.
 */
import { bench, type Backend, type ModelInfo } from '../lib/index.js';

const info: ModelInfo = { format: 'onnx', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }], outputs: [], metadata: {} };
const nothing = {};
const backend: Backend = {
  kind: 'onnxruntime',
  info,
  load: { running: 0, waiting: 0 },
  disposed: false,
  run: () => Promise.resolve(nothing),
  dispose: () => Promise.resolve(),
  [Symbol.asyncDispose]: () => Promise.resolve(),
};
const feeds = { x: { dtype: 'float32' as const, dims: [1, 4], data: new Float32Array(4) } };

/** Queries per microsecond of a bare loop for `ms`. */
async function bare(ms: number): Promise<number> {
  const end = performance.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) await backend.run(feeds);
    n += 1000;
  }
  return ((performance.now() - t0) * 1000) / n;
}

async function harness(ms: number): Promise<number> {
  const r = await bench(backend, { warmupMs: 50, durationMs: ms, sampleIntervalMs: 1000 });
  const inf = r.inference!;
  return (inf.walltimeMs * 1000) / inf.queries;
}

const rounds = 5;
const b: number[] = [];
const h: number[] = [];
await bare(200);
await harness(200);
for (let i = 0; i < rounds; i++) {
  b.push(await bare(1000));
  h.push(await harness(1000));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const overhead = median(h) - median(b);
console.log(
  `bare await backend.run(): ${median(b).toFixed(3)} µs/query; through bench(): ${median(h).toFixed(3)} µs/query (${(median(h) / median(b)).toFixed(1)}x)`,
);
console.log(`harness overhead: ${overhead.toFixed(2)} µs per query (${((overhead / 1000) * 100).toFixed(2)} % of a 1 ms inference)`);
process.exitCode = overhead <= 20 ? 0 : 1;
