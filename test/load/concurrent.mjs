// N concurrent detects on one Detector from files, in a process of its own; prints the RSS it took.
//   node --expose-gc test/load/concurrent.mjs <dist dir> <n>
// One JSON line: { n, ok, baseMb, peakMb, afterMb, ms }.
import { join, resolve } from 'node:path';

const [distArg = 'dist', nArg = '50'] = process.argv.slice(2);
const t = await import(join(resolve(distArg), 'index.js'));
const fixtures = resolve(process.env.TRTJS_FIXTURES ?? '../shared/fixtures');
const n = Number(nArg);
const detector = await t.Detector.create(join(fixtures, 'models', 'yolo11n_int8_320.onnx'));
const images = ['bus.jpg', 'zidane.jpg'].map((f) => join(fixtures, 'images', f));
await detector.detect(images[0]);
globalThis.gc?.();
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const baseMb = mb();
let peakMb = baseMb;
const timer = setInterval(() => (peakMb = Math.max(peakMb, mb())), 5);
const t0 = performance.now();
const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => detector.detect(images[i % 2])));
const ms = Math.round(performance.now() - t0);
clearInterval(timer);
await detector.dispose();
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 300));
globalThis.gc?.();
console.log(JSON.stringify({ n, ok: results.filter((r) => r.status === 'fulfilled').length, baseMb, peakMb, afterMb: mb(), ms }));
