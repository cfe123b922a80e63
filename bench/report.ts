/** Prints an A/B result as a ratio against the baseline measured in the same run. */
import type { AbResult } from '../lib/index.js';

export function printAb(name: string, r: AbResult): AbResult {
  const { baseline: b, candidate: c } = r;
  console.log(
    `${name}: ${r.speedup.toFixed(1)}x faster (median ${c.median.toFixed(3)} ms vs baseline ${b.median.toFixed(3)} ms; p90 ${c.p90.toFixed(3)} vs ${b.p90.toFixed(3)})`,
  );
  return r;
}
