import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';

import { TrtjsError } from '../../lib/errors.js';
import { NativeResource } from '../../lib/lifetime.js';

class Counter extends NativeResource {
  constructor(released: { count: number }) {
    super('Counter', () => {
      released.count++;
    });
  }
  use(): number {
    this.assertAlive();
    return 1;
  }
}

describe('NativeResource lifetime protocol', () => {
  it('dispose() is idempotent and releases exactly once', () => {
    const released = { count: 0 };
    const c = new Counter(released);
    expect(c.use()).toBe(1);
    c.dispose();
    c.dispose();
    expect(released.count).toBe(1);
    expect(c.disposed).toBe(true);
  });

  it('use after dispose throws ERR_DISPOSED', () => {
    const c = new Counter({ count: 0 });
    c.dispose();
    expect(() => c.use()).toThrow(TrtjsError);
    try {
      c.use();
    } catch (e) {
      expect((e as TrtjsError).code).toBe('ERR_DISPOSED');
      expect((e as Error).message).toBe('Counter has been disposed');
    }
  });

  it('works with Symbol.dispose and Symbol.asyncDispose', async () => {
    const released = { count: 0 };
    const a = new Counter(released);
    a[Symbol.dispose]();
    const b = new Counter(released);
    await b[Symbol.asyncDispose]();
    await b[Symbol.asyncDispose]();
    expect(released.count).toBe(2);
  });

  it('releases a forgotten object when it is garbage-collected (safety net)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const released = { count: 0 };
    (() => {
      new Counter(released);
    })();
    for (let i = 0; i < 50 && released.count === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(released.count).toBe(1);
  });
});
