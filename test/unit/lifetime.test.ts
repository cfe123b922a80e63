import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';

import { TrtjsError } from '../../lib/errors.js';
import { Resource } from '../../lib/lifetime.js';

class Counter extends Resource {
  readonly #released: { count: number };
  constructor(released: { count: number }) {
    super('Counter');
    this.#released = released;
    // The safety net's callback holds only the counter, never the object.
    this.setSafetyNet(() => {
      released.count++;
    });
  }
  use(): number {
    this.assertAlive();
    return 1;
  }
  protected release(): void {
    this.#released.count++;
  }
}

describe('Resource lifetime protocol', () => {
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

  it('works with Symbol.asyncDispose, and every dispose() returns the same Promise', async () => {
    const released = { count: 0 };
    const b = new Counter(released);
    const first = b.dispose();
    expect(b.dispose()).toBe(first);
    await b[Symbol.asyncDispose]();
    expect(released.count).toBe(1);
  });

  it('releases synchronously: an un-awaited dispose() has already released', () => {
    const released = { count: 0 };
    void new Counter(released).dispose();
    expect(released.count).toBe(1);
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
