import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { packageRoot } from '../../lib/native/binding.js';

/** A stress program of test/native built under AddressSanitizer and UndefinedBehaviorSanitizer. */
export interface StressBuild {
  exe: string;
  build: SpawnSyncReturns<string>;
  /** Why the sanitizer build cannot run on this machine (no g++, no sanitizer runtimes); undefined when it can. */
  unavailable?: string;
}

/** Compiles `sources` (paths from the package root) into `name` with ASan/UBSan, errors fatal. */
export function buildStress(name: string, sources: string[]): StressBuild {
  const exe = join(mkdtempSync(join(tmpdir(), `trtjs-${name}-`)), name);
  const build = spawnSync('g++', ['-std=c++17', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Inative', ...sources, '-o', exe], {
    cwd: packageRoot,
    encoding: 'utf8',
  });
  const unavailable = build.error
    ? `g++ is not available (${build.error.message})`
    : /asan|ubsan|sanitize/i.test(build.stderr) && build.status !== 0
      ? `the sanitizer runtimes are missing: ${build.stderr.split('\n')[0]}`
      : undefined;
  return { exe, build, unavailable };
}

/** One run: `iterations` random cases from `seed`, leaks checked; `counts` holds the `key=N` pairs it printed. */
export function runStress(
  exe: string,
  iterations: number,
  seed: number,
): { status: number | null; stdout: string; output: string; counts: Record<string, number> } {
  const r = spawnSync(exe, [String(iterations), String(seed)], {
    encoding: 'utf8',
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
  });
  const counts = Object.fromEntries([...r.stdout.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  return { status: r.status, stdout: r.stdout, output: `${r.stdout}${r.stderr}`, counts };
}

/** A fixed seed, and a fresh one each run (printed by the caller, so a failure can be replayed). */
export const stressSeeds = (): number[] => [1, Math.floor(Math.random() * 2 ** 31)];
