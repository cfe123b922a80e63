/**
 * A/B timing for micro-benchmarks (bench/*.bench.ts): a candidate against a baseline measured in the same run,
 * alternating the two so that noise from the machine hits both alike, summarized with trtexec's rules.
 */
import { now } from './clock.js';
import { summarize, type Stats } from './stats.js';

async function sample(fn: () => unknown): Promise<number> {
  const t0 = now();
  await fn();
  return now() - t0;
}

/** Times `fn` `rounds` times after 3 warm-up calls. */
export async function timeIt(fn: () => unknown, rounds = 30): Promise<Stats> {
  for (let i = 0; i < 3; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(await sample(fn));
  return summarize(xs);
}

export interface AbResult {
  baseline: Stats;
  candidate: Stats;
  /** baseline median / candidate median: above 1 when the candidate is faster. */
  speedup: number;
}

/** Runs baseline and candidate `rounds` times each, interleaved, after 3 warm-up rounds. */
export async function abCompare(baseline: () => unknown, candidate: () => unknown, rounds = 50): Promise<AbResult> {
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
  const base = summarize(a);
  const cand = summarize(b);
  return { baseline: base, candidate: cand, speedup: base.median / cand.median };
}
