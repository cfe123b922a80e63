import { expect } from 'vitest';

import { TrtjsError } from '../../lib/index.js';

/** Calls each function and checks it throws a TrtjsError with `code` whose message matches. */
export function expectThrows(cases: Array<[() => unknown, RegExp]>, code = 'ERR_BAD_INPUT'): void {
  for (const [fn, message] of cases) {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err, String(message)).toBeInstanceOf(TrtjsError);
    expect((err as TrtjsError).code, String(message)).toBe(code);
    expect((err as Error).message).toMatch(message);
  }
}
