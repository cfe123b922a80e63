import { describe, expect, it } from 'vitest';

import { TensorRtBackend, TrtjsError } from '../../lib/index.js';
import { ContextPool, type ProfileBounds } from '../../lib/backends/context-pool.js';
import { writeEngineFile } from '../../lib/model/engine-file.js';
import { addon } from '../../lib/native/binding.js';
import { expectThrows } from '../helpers/expect-error.js';
import { fixture } from '../helpers/fixtures.js';

const small: ProfileBounds = { images: { min: [1, 3, 32, 32], max: [1, 3, 640, 640] } };
const large: ProfileBounds = { images: { min: [1, 3, 32, 32], max: [8, 3, 1280, 1280] } };
const img = (b: number, s: number) => ({ images: [b, 3, s, s] });

const settled = async <T>(p: Promise<T>) => {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('ContextPool: which execution context takes a request', () => {
  it('orders the admitting profiles tightest first and names every profile when none admits the shapes', async () => {
    const pool = new ContextPool([0, 1], [large, small]);
    expect(pool.profilesFor(img(1, 640))).toEqual([1, 0]);
    expect(pool.profilesFor(img(4, 640))).toEqual([0]);
    expect(pool.profilesFor(img(1, 1280))).toEqual([0]);
    expectThrows(
      [
        [
          () => pool.profilesFor(img(16, 640)),
          /no optimization profile of the engine admits images \[16, 3, 640, 640\] \(profile 0: images \[1, 3, 32, 32\]\.\.\[8, 3, 1280, 1280\]; profile 1: .*\)/,
        ],
      ],
      'ERR_SHAPE',
    );
    expectThrows([[() => pool.profilesFor({ images: [1, 3, 640] }), /admits images \[1, 3, 640\]/]], 'ERR_SHAPE');
    await expect(pool.acquire(img(9, 64))).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });

  it('gives a request the tightest idle context, falls back to a looser one, and queues when all are busy', async () => {
    const pool = new ContextPool([0, 1], [large, small]);
    expect(await pool.acquire(img(1, 640))).toBe(1);
    expect(await pool.acquire(img(1, 640))).toBe(0);
    expect(pool.busy).toBe(2);
    const third = pool.acquire(img(1, 320));
    expect(await settled(third)).toBe('pending');
    expect(pool.waiting).toBe(1);
    pool.release(1);
    expect(await third).toBe(1);
    expect(pool.busy).toBe(2);
  });

  it('a released context goes to the first waiter it can serve, in arrival order', async () => {
    const pool = new ContextPool([0, 1], [large, small]);
    const a = await pool.acquire(img(8, 640)); // only profile 0 admits batch 8
    const b = await pool.acquire(img(1, 64));
    expect([a, b]).toEqual([0, 1]);
    const bigBatch = pool.acquire(img(8, 640)); // needs context 0
    const small1 = pool.acquire(img(1, 64)); // either
    const small2 = pool.acquire(img(1, 64));
    pool.release(1); // profile 1 cannot serve the batch of 8: the first small request takes it
    expect(await small1).toBe(1);
    expect(await settled(bigBatch)).toBe('pending');
    pool.release(0);
    expect(await bigBatch).toBe(0);
    expect(await settled(small2)).toBe('pending');
    pool.release(1);
    expect(await small2).toBe(1);
  });

  it('with every context busy and maxQueue requests waiting, one more is refused at once naming maxQueue; the rest settle', async () => {
    const pool = new ContextPool([0], [small], 2);
    expect(await pool.acquire(img(1, 64))).toBe(0);
    const waiting = [pool.acquire(img(1, 64)), pool.acquire(img(1, 64))];
    const full = pool.acquire(img(1, 64));
    expect(await settled(full)).toBe('rejected');
    await expect(full).rejects.toMatchObject({
      code: 'ERR_QUEUE_FULL',
      message: 'TensorRtBackend.run: the queue is full (2 requests waiting for an execution context; options.maxQueue)',
    });
    expect(await Promise.all(waiting.map(settled))).toEqual(['pending', 'pending']);
    pool.release(0);
    expect(await waiting[0]).toBe(0);
    pool.release(0);
    expect(await waiting[1]).toBe(0);
    pool.release(0);
    await pool.close();
  });

  it('an engine without profiles admits any shape on profile 0; several contexts serve requests side by side', async () => {
    const pool = new ContextPool([0, 0, 0], []);
    const got = await Promise.all([pool.acquire(img(1, 640)), pool.acquire(img(1, 640)), pool.acquire(img(1, 640))]);
    expect(got.sort()).toEqual([0, 1, 2]);
    expectThrows([
      [() => new ContextPool([0, 1], []), /no profile 1 \(the engine has 1\)/],
      [() => new ContextPool([], [small]), /at least one context/],
    ]);
    expectThrows([[() => new ContextPool([0], [small]).release(0), /context 0 is not in use/]]);
  });

  it('an aborted waiter leaves the line without taking a context', async () => {
    const pool = new ContextPool([0], [small]);
    const c = await pool.acquire(img(1, 64));
    const ac = new AbortController();
    const waiting = pool.acquire(img(1, 64), ac.signal);
    const next = pool.acquire(img(1, 64));
    ac.abort(new TrtjsError('ERR_ABORTED', 'gave up'));
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(pool.waiting).toBe(1);
    pool.release(c);
    expect(await next).toBe(0);
    await expect(pool.acquire(img(1, 64), AbortSignal.abort())).rejects.toBeDefined();
  });

  it('close() rejects the waiting requests, refuses new ones and resolves once the running ones are back', async () => {
    const pool = new ContextPool([0, 0], [small]);
    const a = await pool.acquire(img(1, 64));
    const b = await pool.acquire(img(1, 64));
    const waiting = pool.acquire(img(1, 64));
    const closed = pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(pool.acquire(img(1, 64))).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    pool.release(a);
    expect(await settled(closed)).toBe('pending');
    pool.release(b);
    await closed;
    expect(pool.busy).toBe(0);
  });

  it('keeps every context busy under random load and never hands one context to two requests', async () => {
    const pool = new ContextPool([0, 0, 1], [large, small]);
    const inUse = new Set<number>();
    let maxParallel = 0;
    const request = async (i: number) => {
      const shapes = i % 3 === 0 ? img(8, 640) : img(1, 320);
      const c = await pool.acquire(shapes);
      expect(inUse.has(c)).toBe(false);
      inUse.add(c);
      maxParallel = Math.max(maxParallel, inUse.size);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inUse.delete(c);
      pool.release(c);
      return c;
    };
    const served = await Promise.all(Array.from({ length: 60 }, (_, i) => request(i)));
    expect(maxParallel).toBe(3);
    // Batch-8 requests only ever ran on the profile-0 contexts.
    served.forEach((c, i) => {
      i % 3 === 0 && expect([0, 1]).toContain(c);
    });
    expect(pool.busy).toBe(0);
    expect(pool.waiting).toBe(0);
  });
});

describe('TensorRT inference entry points without TensorRT', () => {
  const native = addon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const hasLayer = typeof native.trtLoadEngine === 'function';
  if (!hasLayer) console.log('[unit] skipped the native TensorRT argument checks: this addon was built without the TensorRT layer (no headers)');

  it.runIf(hasLayer)('check their arguments before touching TensorRT, with exact messages', () => {
    const plan = new Uint8Array(16);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => native.trtLoadEngine('x', 0, { allowHostCode: false }), /plan has the wrong TypedArray type/],
      [() => native.trtLoadEngine(plan, -1, { allowHostCode: false }), /device must be an integer in \[0, 1024\]/],
      [() => native.trtLoadEngine(plan, 0, 1), /load options must be an object/],
      [() => native.trtLoadEngine(plan, 0, {}), /load options\.allowHostCode must be a boolean/],
      [() => native.trtInspectEngine(plan, 0, { allowHostCode: 'yes' }), /load options\.allowHostCode must be a boolean/],
      [() => native.trtCreateContexts({}, [0], false, 0), /engine handle expected/],
      [() => native.trtRun({}, 0, []), /engine handle expected/],
      [() => native.trtDisposeEngine(42), /engine handle expected/],
      [() => native.trtCancelBuild(new Int32Array(1)), /cancel token expected \(from trtCancelToken\)/],
      [() => native.trtBuildEngine(plan, {}, () => {}, new Int32Array(1)), /cancel token expected/],
    ];
    for (const [fn, message] of cases) {
      let err: (Error & { code?: string }) | undefined;
      try {
        fn();
      } catch (e) {
        err = e as Error;
      }
      expect(err?.code, String(message)).toBe('ERR_BAD_INPUT');
      expect(err?.message).toMatch(message);
    }
  });

  it.runIf(hasLayer)('a well-formed load without a TensorRT library rejects with ERR_TRT_UNAVAILABLE and the reason', async () => {
    await expect(native.trtLoadEngine(new Uint8Array(16), 0, { allowHostCode: false })).rejects.toMatchObject({
      code: 'ERR_TRT_UNAVAILABLE',
      message: /libnvinfer\.so\.\d+/,
    });
  });

  it('TensorRtBackend.load refuses ONNX bytes and bad options before loading anything', async () => {
    await expect(TensorRtBackend.load(fixture('models/yolov8n_dynamic_f32.onnx'))).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: /is an ONNX model: build an engine from it first/,
    });
    await expect(TensorRtBackend.load(writeEngineFile(new Uint8Array(8), {}), { contexts: 0 })).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: /options\.contexts/,
    });
    await expect(TensorRtBackend.load(writeEngineFile(new Uint8Array(8), {}), { mapped: 'yes' as never })).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: /options\.mapped/,
    });
    await expect(TensorRtBackend.load(writeEngineFile(new Uint8Array(8), {}), { allocationStrategy: 'dynamic' as never })).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: `TensorRtBackend.load: options.allocationStrategy must be one of 'static', 'profile', received "dynamic"`,
    });
    await expect(TensorRtBackend.load(writeEngineFile(new Uint8Array(8), {}), { allowHostCode: 1 as never })).rejects.toMatchObject({
      code: 'ERR_BAD_INPUT',
      message: 'TensorRtBackend.load: options.allowHostCode must be true or false, received 1',
    });
  });
});
