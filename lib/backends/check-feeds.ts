import { TrtjsError } from '../errors.js';
import type { TensorInfo } from '../model/model-info.js';
import * as check from '../util/validate.js';
import type { Tensor } from './backend.js';

const ARRAY_FOR: Record<string, string> = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
  int8: 'Int8Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  float64: 'Float64Array',
};

/** Checks feeds against a model's inputs: names, dtypes, ranks, static dims, data length. */
export function checkFeeds(feeds: Record<string, Tensor>, inputs: TensorInfo[], fn: string): void {
  check.object(`${fn}: feeds`, feeds);
  for (const name of Object.keys(feeds)) {
    if (!inputs.some((i) => i.name === name)) {
      throw new TrtjsError('ERR_BAD_INPUT', `${fn}: the model has no input '${name}' (inputs: ${inputs.map((i) => i.name).join(', ')})`);
    }
  }
  for (const input of inputs) {
    const t = feeds[input.name];
    if (t === undefined) throw new TrtjsError('ERR_BAD_INPUT', `${fn}: missing input '${input.name}'`);
    check.object(`${fn}: feeds.${input.name}`, t);
    if (t.dtype !== input.dtype) {
      throw new TrtjsError('ERR_BAD_INPUT', `${fn}: input '${input.name}' must be ${input.dtype}, received ${String(t.dtype)}`);
    }
    const expectedArray = ARRAY_FOR[input.dtype];
    if (!t.data || t.data.constructor.name !== expectedArray) check.fail(`${fn}: feeds.${input.name}.data`, `a ${expectedArray} for ${input.dtype}`, t.data);
    if (!Array.isArray(t.dims) || !t.dims.every((d) => Number.isInteger(d) && d > 0))
      check.fail(`${fn}: feeds.${input.name}.dims`, 'an array of positive integers', t.dims);
    if (t.dims.length !== input.shape.length) {
      throw new TrtjsError(
        'ERR_SHAPE',
        `${fn}: input '${input.name}' has rank ${input.shape.length} [${input.shape.join(', ')}], received dims [${t.dims.join(', ')}]`,
      );
    }
    input.shape.forEach((d, i) => {
      if (typeof d === 'number' && d > 0 && t.dims[i] !== d) {
        throw new TrtjsError('ERR_SHAPE', `${fn}: input '${input.name}' must have shape [${input.shape.join(', ')}], received [${t.dims.join(', ')}]`);
      }
    });
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) check.fail(`${fn}: feeds.${input.name}.data`, `${n} elements for dims [${t.dims.join(', ')}]`, t.data);
  }
}
