/**
 * Concurrency sweep, as perf_analyzer reports it: at each concurrency N, N queries kept in flight (N contexts or
 * sessions), giving throughput and the request latency percentiles a client sees, so a service can pick its pool size.
 */
import { span } from './clock.js';
import { runLoop, type BenchProgress } from './inference.js';
import type { Runner } from './runners.js';
import { summarize } from './stats.js';
import type { SweepLevel } from './types.js';

export async function runSweep(
  runner: Runner,
  levels: number[],
  s: { warmupMs: number; durationMs: number; iterations: number; batch: number; signal?: AbortSignal; onProgress?: (p: BenchProgress) => void },
): Promise<SweepLevel[]> {
  const out: SweepLevel[] = [];
  for (const n of levels) {
    const loop = await runLoop(runner, { ...s, lanes: n, detail: `concurrency ${n}` });
    const q = loop.timed;
    const walltime = span(q);
    const latency = summarize(q.map((r) => r.end - r.start));
    const qps = (q.length / walltime) * 1000;
    out.push({
      concurrency: n,
      queries: q.length,
      qps,
      imagesPerSecond: qps * s.batch,
      latencyMs: { p50: latency.median, p90: latency.p90, p95: latency.p95, p99: latency.p99, mean: latency.mean },
      computeMedianMs: summarize(q.map((r) => r.compute)).median,
    });
  }
  return out;
}
