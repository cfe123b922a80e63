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
      // Bypasses lib/'s validation on purpose: the addon must refuse by itself, with a code.
      addon().nms(new Float32Array(3), new Float32Array(1), null, 0.5, 0, 0);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as { code?: string }).code).toBe('ERR_BAD_INPUT');
    const mapped = fromNative(thrown);
    expect(mapped).toBeInstanceOf(TrtjsError);
    expect(mapped.code).toBe('ERR_BAD_INPUT');
    expect(mapped.message).toBe('boxes must hold 4 values per score');
    expect(mapped.cause).toBe(thrown);
  });

  it('the addon never crashes on wrong argument types (it throws ERR_BAD_INPUT)', () => {
    const a = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;
    const calls: Array<() => unknown> = [
      () => a.letterbox('x', {}, null),
      () => a.letterbox(new Uint8Array(4), { width: 100, height: 100, channels: 3, stride: 300, order: 1 }, new Float32Array(1)),
      () =>
        a.decode(new Float32Array(10), {
          format: 1,
          channelsFirst: true,
          rows: 84,
          cols: 8400,
          nc: 80,
          conf: 0.25,
          iou: 0.7,
          maxDet: 1,
          maxNms: 1,
          agnostic: false,
          multiLabel: false,
        }),
      () => a.decode(new Float32Array(84), { format: 7 }),
      () => a.nms(new Int32Array(4), new Float32Array(1), null, 0.5, 0, 0),
    ];
    for (const call of calls) {
      let err: { code?: string } | undefined;
      try {
        call();
      } catch (e) {
        err = e as { code?: string };
      }
      expect(err?.code).toBe('ERR_BAD_INPUT');
    }
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
