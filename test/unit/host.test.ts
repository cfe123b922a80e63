import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

import { ModelHost, OnnxRuntimeBackend, TrtjsError, loadImage, type SwapRecord } from '../../lib/index.js';
import { CandidateRejection, checkCompatible } from '../../lib/host/candidate-checks.js';
import { fixture } from '../helpers/fixtures.js';
import { reshapeModel } from '../helpers/tiny-onnx.js';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

const v8 = fixture('models/yolov8n_int8.onnx');
const v11 = fixture('models/yolo11n_int8.onnx');
const dir = mkdtempSync(join(tmpdir(), 'trtjs-host-'));
const zidane = await loadImage(fixture('images/zidane.jpg'));
const bus = await loadImage(fixture('images/bus.jpg'));
const sha = (p: string) => require('node:crypto').createHash('sha256').update(readFileSync(p)).digest('hex') as string;

/** yolov8n with its class names replaced: same IO, another label set. */
function relabeled(): string {
  const m = onnx.ModelProto.decode(readFileSync(v8));
  const names = m.metadataProps.find((p) => p.key === 'names')!;
  names.value = names.value!.replace("'person'", "'pedestrian'");
  const path = join(dir, 'relabeled.onnx');
  writeFileSync(path, onnx.ModelProto.encode(m).finish());
  return path;
}

/** Same IO signature as yolov8n, but its Reshape cannot run: it fails at warm-up. */
function failsAtWarmup(): string {
  const names = onnx.ModelProto.decode(readFileSync(v8)).metadataProps.find((p) => p.key === 'names')!.value!;
  const path = join(dir, 'broken.onnx');
  writeFileSync(path, reshapeModel(640, 640, [1, 84, 8400], { names, stride: '32', task: 'detect', imgsz: '[640, 640]' }));
  return path;
}

async function expectRejection(p: Promise<unknown>, code: string, stage?: string): Promise<TrtjsError> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as TrtjsError & { stage?: string };
  expect(err, 'expected a rejection').toBeInstanceOf(TrtjsError);
  expect(err.code).toBe(code);
  if (stage) expect(err.stage, err.message).toBe(stage);
  return err;
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;

describe('ModelHost: hot swap under load', () => {
  it('swaps between yolov8n and yolo11n many times, rejects every bad candidate, fails no request, leaks nothing', async () => {
    const liveBefore = OnnxRuntimeBackend.live;
    const rssBefore = process.memoryUsage().rss;
    const host = await ModelHost.open(v8, { minSwapIntervalMs: 0, golden: { image: bus }, warmup: 1 });
    const events: string[] = [];
    for (const e of ['loading', 'swapped', 'rejected', 'drained'] as const) host.on(e, () => events.push(e));

    let stop = false;
    let swapping = false;
    const steady: number[] = [];
    const during: number[] = [];
    let failures = 0;
    let ok = 0;
    const loop = async () => {
      while (!stop) {
        const t0 = performance.now();
        try {
          const dets = await host.detect(zidane);
          if (dets.filter((d) => d.className === 'person' && d.score > 0.5).length !== 2) failures++;
          else ok++;
        } catch {
          failures++;
        }
        (swapping ? during : steady).push(performance.now() - t0);
      }
    };
    const loops = [loop(), loop(), loop()];
    await new Promise((r) => setTimeout(r, 1500));

    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(v11).subarray(0, 1_000_000));
    const wrongHash = join(dir, 'wrong-hash.onnx');
    copyFileSync(v11, wrongHash);
    writeFileSync(`${wrongHash}.sha256`, `${'0'.repeat(64)}  wrong-hash.onnx\n`);
    const bad: Array<[string | Uint8Array, string, RegExp]> = [
      [truncated, 'load', /not a valid ONNX file|truncated/],
      [new TextEncoder().encode('these bytes are not a model'), 'load', /not/],
      [fixture('models/yolov10n_int8.onnx'), 'validate', /outputs differ/],
      [fixture('models/yolo11n_int8_320.onnx'), 'validate', /inputs differ/],
      [wrongHash, 'verify', /does not match .*wrong-hash\.onnx\.sha256/],
      [relabeled(), 'validate', /class 0 is 'pedestrian', expected 'person'/],
      [failsAtWarmup(), 'warmup', /inference failed/],
    ];

    let good = 0;
    for (let round = 0; round < 3; round++) {
      for (const next of [v11, v8]) {
        swapping = true;
        const version = await host.swap(next);
        swapping = false;
        expect(version.sha256).toBe(sha(next));
        expect(host.status().current.source).toBe(next);
        good++;
        await new Promise((r) => setTimeout(r, 300));
      }
      const [candidate, stage, reason] = bad[(round * 2) % bad.length];
      const err = await expectRejection(host.swap(candidate), 'ERR_VALIDATION', stage);
      expect(err.message).toMatch(reason);
    }
    for (const [candidate, stage, reason] of bad) {
      swapping = true;
      const err = await expectRejection(host.swap(candidate), 'ERR_VALIDATION', stage);
      swapping = false;
      expect(err.message).toMatch(reason);
    }
    await new Promise((r) => setTimeout(r, 800));
    stop = true;
    await Promise.all(loops);

    expect(failures).toBe(0);
    expect(ok).toBeGreaterThan(20);
    expect(good).toBe(6);
    const status = host.status();
    expect(status.current.sha256).toBe(sha(v8));
    expect(status.swaps.filter((s) => s.result === 'swapped')).toHaveLength(6);
    expect(status.swaps.filter((s) => s.result === 'rejected').length).toBe(3 + bad.length);
    expect(status.errors).toBe(0);
    expect(events.filter((e) => e === 'drained')).toHaveLength(6);
    // Only the serving model is loaded once the old ones drained.
    expect(OnnxRuntimeBackend.live).toBe(liveBefore + 1);
    const metrics = await host.metrics();
    expect(metrics).toMatch(/trtjs_swaps_total\{result="swapped"\} 6/);
    expect(metrics).toMatch(/trtjs_swaps_total\{result="rejected"\} 10/);
    expect(metrics).toMatch(/trtjs_swap_stage_seconds_bucket\{le="[^"]+",stage="golden"\}/);
    await host.close();
    expect(OnnxRuntimeBackend.live).toBe(liveBefore);
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(rssGrowthMb).toBeLessThan(300);

    const swaps = status.swaps.filter((s) => s.result === 'swapped');
    const stageMs = (k: keyof SwapRecord['stages']) => (swaps.reduce((a, s) => a + (s.stages[k] ?? 0), 0) / swaps.length).toFixed(1);
    console.log(
      `[unit] swap stages (mean ms): read ${stageMs('read')}, verify ${stageMs('verify')}, load ${stageMs('load')}, validate ${stageMs('validate')}, ` +
        `warmup ${stageMs('warmup')}, golden ${stageMs('golden')}, switch ${stageMs('switch')}; ` +
        `p99 latency: steady ${p99(steady).toFixed(0)} ms (${steady.length} req), during swaps ${p99(during).toFixed(0)} ms (${during.length} req), rss +${rssGrowthMb.toFixed(0)} MB`,
    );
  }, 300_000);
});

describe('ModelHost: rollback, rate limit, close, canary, watch', () => {
  it('keeps the previous model for an instant rollback', async () => {
    await using host = await ModelHost.open(v8, { keepPrevious: true, minSwapIntervalMs: 0 });
    await host.swap(v11);
    expect(host.status().previous?.sha256).toBe(sha(v8));
    const back = await host.rollback();
    expect(back.sha256).toBe(sha(v8));
    expect(host.status().previous).toBeUndefined();
    await expectRejection(host.rollback(), 'ERR_VALIDATION');
    expect((await host.detect(zidane)).length).toBeGreaterThan(1);
  });

  it('refuses swaps faster than the rate limit unless forced', async () => {
    await using host = await ModelHost.open(v8, { minSwapIntervalMs: 60_000 });
    await host.swap(v11);
    const err = await expectRejection(host.swap(v8), 'ERR_RATE_LIMITED');
    expect(err.message).toMatch(/one per 60000 ms/);
    await host.swap(v8, { force: true });
    expect(host.status().current.sha256).toBe(sha(v8));
  });

  it('close() during a swap rejects the swap with ERR_VALIDATION and releases everything', async () => {
    const live = OnnxRuntimeBackend.live;
    const host = await ModelHost.open(v8, { minSwapIntervalMs: 0 });
    const swap = host.swap(v11);
    swap.catch(() => undefined); // examined below, after close()
    await new Promise((r) => setTimeout(r, 5));
    await host.close();
    const err = await expectRejection(swap, 'ERR_VALIDATION');
    expect(err.message).toMatch(/closed/);
    expect(host.status().swaps.at(-1)?.stage).toBe('closed');
    await expectRejection(host.detect(zidane), 'ERR_DISPOSED');
    expect(OnnxRuntimeBackend.live).toBe(live);
  });

  it('checks hashes against an expected value and an allow-list', async () => {
    await expectRejection(ModelHost.open(v8, { expectedSha256: 'a'.repeat(64) }), 'ERR_VALIDATION', 'verify');
    await using host = await ModelHost.open(v8, { allowList: [sha(v8), sha(v11)], minSwapIntervalMs: 0 });
    await host.swap(v11);
    await expectRejection(host.swap(fixture('models/yolov8n_int8_dynamic.onnx')), 'ERR_VALIDATION', 'verify');
  });

  it('canary: routes a share of traffic to the candidate, then promotes it', async () => {
    await using host = await ModelHost.open(v8, { minSwapIntervalMs: 0 });
    const result = host.canary(v11, { fraction: 0.5, minRequests: 4, maxLatencyRatio: 5 });
    for (let i = 0; i < 100 && !host.status().canary; i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 12 && host.status().current.sha256 !== sha(v11); i++) await host.detect(zidane);
    const r = await result;
    expect(r.promoted).toBe(true);
    expect(r.candidate.requests).toBe(4);
    expect(host.status().current.sha256).toBe(sha(v11));
  });

  it('canary: a candidate that fails is rolled back and no request fails', async () => {
    await using host = await ModelHost.open(v8, { minSwapIntervalMs: 0, warmup: 0, golden: undefined });
    // Passes the load checks (same IO) but its inference fails: with warmup 0 it reaches traffic.
    const result = host.canary(failsAtWarmup(), { fraction: 1, minRequests: 3 });
    for (let i = 0; i < 100 && !host.status().canary; i++) await new Promise((r) => setTimeout(r, 20));
    expect(host.status().canary?.fraction).toBe(1);
    for (let i = 0; i < 3; i++) expect((await host.detect(zidane)).length).toBeGreaterThan(1);
    const r = await result;
    expect(r.promoted).toBe(false);
    expect(r.reason).toMatch(/error rate 1\.000/);
    expect(host.status().current.sha256).toBe(sha(v8));
    expect(host.status().errors).toBe(0);
    expect(await host.metrics()).toMatch(/trtjs_request_errors_total\{version="2"\} 3/);
  });

  it('watch: swaps only when a slowly copied file has stopped changing, and on atomic renames', async () => {
    const watched = join(dir, 'watched');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(watched);
    const current = join(watched, 'model.onnx');
    copyFileSync(v8, current);
    await using host = await ModelHost.open(current, { minSwapIntervalMs: 0 });
    const rejected: string[] = [];
    const swapped: string[] = [];
    host.on('rejected', (e: { reason: string }) => rejected.push(e.reason));
    host.on('swapped', (e: { version: { sha256: string } }) => swapped.push(e.version.sha256));
    const stop = host.watch(current, { stableMs: 600, pollMs: 50 });

    // A slow partial copy: chunks every 100 ms, never still for 600 ms until it is complete.
    const bytes = readFileSync(v11);
    const fh = await open(current, 'w');
    for (let i = 0; i < bytes.length; i += 256 * 1024) {
      await fh.write(bytes.subarray(i, i + 256 * 1024));
      await new Promise((r) => setTimeout(r, 100));
    }
    await fh.close();
    for (let i = 0; i < 60 && swapped.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(rejected).toEqual([]);
    expect(swapped).toEqual([sha(v11)]);

    // The recommended way: write elsewhere, rename into place.
    const tmp = join(watched, 'next.tmp');
    copyFileSync(v8, tmp);
    renameSync(tmp, current);
    for (let i = 0; i < 60 && swapped.length === 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(swapped).toEqual([sha(v11), sha(v8)]);
    stop();
  }, 60_000);
});

describe('ModelHost: watching a directory of versions', () => {
  it('serves the newest model file in the directory, ignoring other files', async () => {
    const versions = join(dir, 'versions');
    const { mkdirSync, utimesSync } = await import('node:fs');
    mkdirSync(versions);
    copyFileSync(v8, join(versions, 'v1.onnx'));
    await using host = await ModelHost.open(join(versions, 'v1.onnx'), { minSwapIntervalMs: 0 });
    const swapped: string[] = [];
    host.on('swapped', (e: { version: { source: string } }) => swapped.push(e.version.source));
    const stop = host.watch(versions, { stableMs: 300, pollMs: 50 });
    writeFileSync(join(versions, 'notes.txt'), 'not a model');
    const tmp = join(versions, 'v2.tmp');
    copyFileSync(v11, tmp);
    renameSync(tmp, join(versions, 'v2.onnx'));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(versions, 'v2.onnx'), later, later);
    for (let i = 0; i < 60 && swapped.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(swapped).toEqual([join(versions, 'v2.onnx')]);
    expect(host.status().current.sha256).toBe(sha(v11));
    stop();
  }, 60_000);
});

describe('ModelHost: memory', () => {
  it('memory plateaus: after warm-up swaps, more swap cycles do not grow the process', async () => {
    await using host = await ModelHost.open(v8, { minSwapIntervalMs: 0, warmup: 1 });
    const cycle = async () => {
      await host.swap(v11);
      await host.detect(zidane);
      await host.swap(v8);
      await host.detect(zidane);
      return process.memoryUsage().rss;
    };
    for (let i = 0; i < 3; i++) await cycle();
    const live = OnnxRuntimeBackend.live;
    // RSS swings by tens of MB from one moment to the next (worker threads starting and ending, allocator arenas; up to
    // 80 MB between 5-cycle floors on a quiet 2-core machine), so each window is judged by its lowest sample over 10
    // cycles: a leak lifts the floor, noise does not.
    const window = async () => {
      let floor = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 10; i++) floor = Math.min(floor, await cycle());
      return floor;
    };
    const first = await window();
    const second = await window();
    const growthMb = (second - first) / 2 ** 20;
    console.log(
      `[unit] rss floor after 20 more swaps: ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB; live ONNX Runtime backends ${OnnxRuntimeBackend.live}`,
    );
    expect(OnnxRuntimeBackend.live).toBe(live);
    // A loaded yolov8n session takes about 30 MB here: one leaked per swap would lift the floor by some 600 MB, and
    // anything over 6 MB a swap by more than this bound.
    expect(growthMb).toBeLessThan(120);
  }, 180_000);
});

describe('ModelHost: candidate engines must accept what the serving engine accepts', () => {
  const input = { name: 'images', dtype: 'float32' as const, shape: [-1, 3, -1, -1] };
  const output = { name: 'output0', dtype: 'float32' as const, shape: [-1, 84, -1] };
  const engine = (...profiles: Array<[number[], number[]]>) => ({
    format: 'engine' as const,
    inputs: [input],
    outputs: [output],
    metadata: {},
    profiles: profiles.map(([min, max]) => ({ images: { min, opt: max, max } })),
  });
  const serving = engine(
    [
      [1, 3, 32, 32],
      [1, 3, 640, 640],
    ],
    [
      [1, 3, 640, 640],
      [8, 3, 640, 640],
    ],
  );

  it('admits a candidate whose profiles cover each serving profile, however they are split', () => {
    expect(() =>
      checkCompatible(
        serving,
        engine([
          [1, 3, 32, 32],
          [8, 3, 1280, 1280],
        ]),
      ),
    ).not.toThrow();
    expect(() =>
      checkCompatible(
        serving,
        engine(
          [
            [1, 3, 640, 640],
            [16, 3, 640, 640],
          ],
          [
            [1, 3, 16, 16],
            [1, 3, 640, 640],
          ],
        ),
      ),
    ).not.toThrow();
    // Models without profiles (ONNX) are compared by their IO signature alone.
    expect(() =>
      checkCompatible(
        { ...serving, profiles: undefined },
        engine([
          [1, 3, 640, 640],
          [1, 3, 640, 640],
        ]),
      ),
    ).not.toThrow();
  });

  it('rejects at the validate stage a candidate that would refuse shapes the service now takes, naming both', () => {
    let err: unknown;
    try {
      checkCompatible(
        serving,
        engine([
          [1, 3, 32, 32],
          [4, 3, 640, 640],
        ]),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CandidateRejection);
    expect((err as CandidateRejection).stage).toBe('validate');
    expect((err as Error).message).toBe(
      "the candidate's optimization profiles (images [1, 3, 32, 32]..[4, 3, 640, 640]) do not cover the serving range images [1, 3, 640, 640]..[8, 3, 640, 640]",
    );
    expect(() =>
      checkCompatible(
        serving,
        engine([
          [1, 3, 64, 64],
          [8, 3, 640, 640],
        ]),
      ),
    ).toThrow(/do not cover the serving range images \[1, 3, 32, 32\]\.\.\[1, 3, 640, 640\]/);
  });
});

describe('ModelHost: the rate limit says what it is doing', () => {
  it('a watched file changed within the window is deferred with an event, then taken in its latest state (rejected if invalid)', async () => {
    const watched = join(dir, 'rate-limited');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(watched);
    const current = join(watched, 'model.onnx');
    copyFileSync(v8, current);
    await using host = await ModelHost.open(current, { minSwapIntervalMs: 3000 });
    const events: string[] = [];
    const deferred: Array<{ source: string; retryAt: Date }> = [];
    host.on('deferred', (e) => {
      events.push('deferred');
      deferred.push(e);
    });
    host.on('swapped', () => events.push('swapped'));
    host.on('rejected', (e) => events.push(`rejected at ${e.stage}`));
    // A completed swap opens the window.
    await host.swap(v11);
    const swappedAt = Date.now();
    const stop = host.watch(current, { stableMs: 200, pollMs: 50 });
    // Within the window: a new file is deferred, with the time it will be tried.
    const tmp = join(watched, 'next.tmp');
    copyFileSync(v8, tmp);
    renameSync(tmp, current);
    for (let i = 0; i < 40 && deferred.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(deferred).toHaveLength(1);
    expect(deferred[0].source).toBe(current);
    expect(Math.abs(deferred[0].retryAt.getTime() - (swappedAt + 3000))).toBeLessThan(500);
    expect(host.status().nextSwapAllowedAt.getTime()).toBe(deferred[0].retryAt.getTime());
    expect(await host.metrics()).toMatch(/trtjs_swaps_deferred_total 1/);
    // Replaced again during the wait, by a truncated file: that latest state is what is tried, and rejected.
    writeFileSync(tmp, readFileSync(v8).subarray(0, 50_000));
    renameSync(tmp, current);
    for (let i = 0; i < 100 && !events.some((e) => e.startsWith('rejected')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(['swapped', 'deferred', 'deferred', 'rejected at load']);
    expect(Date.now()).toBeGreaterThanOrEqual(swappedAt + 3000);
    expect(host.status().current.sha256).toBe(sha(v11));
    stop();
  }, 60_000);

  it('a rejected candidate does not use up the window', async () => {
    await using host = await ModelHost.open(v8, { minSwapIntervalMs: 60_000 });
    await expectRejection(host.swap(readFileSync(v8).subarray(0, 50_000)), 'ERR_VALIDATION', 'load');
    // No swap has completed yet, so the next one is allowed at once.
    await host.swap(v11);
    await expectRejection(host.swap(v8), 'ERR_RATE_LIMITED');
  });
});
