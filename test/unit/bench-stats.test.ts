import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { median, percentile, percentileIndex, summarize } from '../../lib/bench/stats.js';
import { packageRoot } from '../../lib/native/binding.js';
import { rng } from '../helpers/random.js';

// lib/bench/stats.ts against an independent reference written in C++ from trtexec's rules
// (test/reference/trtexec_stats.cpp), compiled here: its single-precision rank arithmetic is C++'s own, not an
// emulation of it.
const exe = join(mkdtempSync(join(tmpdir(), 'trtjs-stats-')), 'trtexec_stats');
const build = spawnSync('g++', ['-std=c++17', '-O1', 'test/reference/trtexec_stats.cpp', '-o', exe], { cwd: packageRoot, encoding: 'utf8' });

function reference(sets: number[][]): number[][] {
  const input = `${sets.map((s) => `${s.length} ${s.map((x) => x.toPrecision(17)).join(' ')}`).join('\n')}\n`;
  const r = spawnSync(exe, [], { input, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map(Number));
}

describe('bench statistics, as trtexec defines them', () => {
  it('the reference compiles', () => {
    expect(build.status, build.stderr).toBe(0);
  });

  it('hand-checked cases: even and odd counts, ties, one value', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5); // even: mean of the two middle values
    expect(median([1, 2, 3])).toBe(2);
    expect(median([5, 5, 5, 9])).toBe(5); // ties
    // p90 of ten values 1..10 is the 9th: trtexec excludes (int)(0.1f * 10) = 1 value above it (in doubles,
    // 0.1 * 10 is 0.9999999999999998 and the rank would be the 10th).
    expect(percentileIndex(90, 10)).toBe(8);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    // p99 of 100 values is the largest in single precision ((int)(0.00999999f * 100) = 0 excluded).
    expect(percentileIndex(99, 100)).toBe(99);
    expect(percentileIndex(99, 1)).toBe(0);
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).toMatchObject({ count: 8, min: 2, max: 9, mean: 5, median: 4.5 });
    expect(s.cvPercent).toBeCloseTo(40, 12); // population sd 2 / mean 5
    expect(summarize([3, 3, 3]).cvPercent).toBe(0);
    expect(summarize([]).count).toBe(0);
    expect(Number.isNaN(summarize([]).median)).toBe(true);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('matches the reference on random sets of every count from 1 to 300, with and without ties', () => {
    expect(build.status, build.stderr).toBe(0);
    const rand = rng(1313);
    const sets: number[][] = [];
    for (let n = 1; n <= 300; n++) {
      sets.push(Array.from({ length: n }, () => 0.5 + rand() * 20)); // distinct
      sets.push(Array.from({ length: n }, () => Math.round(rand() * 4) / 4 + 1)); // many ties
    }
    const ref = reference(sets);
    sets.forEach((set, i) => {
      const s = summarize(set);
      const [min, max, mean, med, p90, p95, p99, cv] = ref[i];
      const where = `set ${i} (n=${set.length})`;
      expect(s.min, where).toBe(min);
      expect(s.max, where).toBe(max);
      expect(s.median, where).toBe(med);
      expect([s.p90, s.p95, s.p99], where).toEqual([p90, p95, p99]);
      expect(s.mean, where).toBeCloseTo(mean, 10);
      expect(s.cvPercent, where).toBeCloseTo(cv, 8);
    });
  });

  it('leaves its input alone and accepts typed arrays', () => {
    const xs = [3, 1, 2];
    summarize(xs);
    expect(xs).toEqual([3, 1, 2]);
    expect(summarize(new Float32Array([4, 1, 3, 2])).median).toBe(2.5);
  });
});
