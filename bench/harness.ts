/**
 * Benchmarks are printed as ratios against a baseline measured in the same run, alternating the two so that
 * noise from this machine hits both alike. Absolute times are printed too, but only mean something on the
 * device they were taken on.
 */
export interface Timing {
  medianMs: number;
  p90Ms: number;
}

async function sample(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function stats(xs: number[]): Timing {
  const s = [...xs].sort((a, b) => a - b);
  return { medianMs: s[Math.floor(s.length / 2)], p90Ms: s[Math.floor(s.length * 0.9)] };
}

/** Runs both `rounds` times, interleaved, after a warm-up; returns their timings and baseline/candidate. */
export async function compare(name: string, baseline: () => unknown, candidate: () => unknown, rounds = 50): Promise<{ baseline: Timing; candidate: Timing; speedup: number }> {
  for (let i = 0; i < 3; i++) {
    await baseline();
    await candidate();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await sample(baseline));
    b.push(await sample(candidate));
  }
  const base = stats(a);
  const cand = stats(b);
  const speedup = base.medianMs / cand.medianMs;
  console.log(`${name}: ${speedup.toFixed(1)}x faster (median ${cand.medianMs.toFixed(3)} ms vs baseline ${base.medianMs.toFixed(3)} ms; p90 ${cand.p90Ms.toFixed(3)} vs ${base.p90Ms.toFixed(3)})`);
  return { baseline: base, candidate: cand, speedup };
}

export async function time(fn: () => unknown, rounds = 30): Promise<Timing> {
  for (let i = 0; i < 3; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(await sample(fn));
  return stats(xs);
}
