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

/** The TrtjsError a Promise rejects with (fails the test when it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<TrtjsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(TrtjsError);
  return err as TrtjsError;
}
