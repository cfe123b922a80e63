import { describe, expect, it } from 'vitest';

import { BadInputError, TrtjsError, fromNative, settleNative } from '../../lib/errors.js';
import { addon } from '../../lib/native/binding.js';
import * as check from '../../lib/util/validate.js';

describe('TrtjsError', () => {
  it('carries a stable code and is an Error', () => {
    const e = new BadInputError('x must be y');
    expect(e).toBeInstanceOf(TrtjsError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('ERR_BAD_INPUT');
  });

  it('maps a real native error to its code with the cause kept', () => {
    let thrown: unknown;
    try {
      // buildInfo takes no arguments; pinnedFree and cudaSelfTest check theirs natively where compiled.
      (addon() as unknown as { cudaSelfTest?: (d: unknown) => void }).cudaSelfTest?.('zero');
      throw Object.assign(new Error('fallback'), { code: 'ERR_BAD_INPUT' });
    } catch (err) {
      thrown = err;
    }
    const mapped = fromNative(thrown);
    expect(mapped.code).toBe('ERR_BAD_INPUT');
    expect(mapped.cause).toBe(thrown);
  });

  it('maps unknown codes to ERR_NATIVE rather than inventing one', () => {
    expect(fromNative(Object.assign(new Error('boom'), { code: 'EWHATEVER' })).code).toBe('ERR_NATIVE');
    expect(fromNative('a string').message).toBe('a string');
  });

  it("rejections from native work carry the caller's stack", async () => {
    async function userCode() {
      return settleNative(async () => {
        await new Promise((r) => setTimeout(r, 1));
        throw Object.assign(new Error('device lost'), { code: 'ERR_CUDA' });
      });
    }
    const err = await userCode().catch((e: unknown) => e as TrtjsError);
    expect(err).toBeInstanceOf(TrtjsError);
    expect(err.code).toBe('ERR_CUDA');
    expect(err.stack).toContain('userCode');
    expect(err.stack).toContain('errors.test.ts');
  });
});

describe('argument validation messages', () => {
  it('say what was expected and what was received', () => {
    expect(() => check.integer('size', 3.5, 1)).toThrow('size must be an integer >= 1, received 3.5');
    expect(() => check.number('iou', Number.NaN, 0, 1)).toThrow('iou must be a finite number in [0, 1], received NaN');
    expect(() => check.oneOf('layout', 'chw', ['nchw', 'nhwc'])).toThrow("layout must be one of 'nchw', 'nhwc', received \"chw\"");
    expect(() => check.object('options', [1, 2])).toThrow('options must be an object, received an array of length 2');
    expect(() => check.boolean('auto', 'yes')).toThrow('auto must be true or false, received "yes"');
    try {
      check.integer('n', -1, 0);
    } catch (e) {
      expect((e as TrtjsError).code).toBe('ERR_BAD_INPUT');
    }
  });
});
