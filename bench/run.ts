/**
 * `npm run bench`: every bench/*.bench.ts in turn, each in its own process (their timings must not share a heap
 * or a thread pool). Exits non-zero when any of them misses its goal or fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (!only.length || only.some((o) => f.includes(o))))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`== ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`== ${f}: FAILED (exit ${r.status ?? r.signal})`);
  }
}
console.log(`${files.length - failed} of ${files.length} benchmarks met their goals`);
process.exitCode = failed ? 1 : 0;
