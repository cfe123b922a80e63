/** Small helpers over model output tensors shared by the task heads. */
import type { Tensor } from '../backends/backend.js';
import { TrtjsError } from '../errors.js';
import { halfToFloat } from '../onnx/half.js';

/** float32 values of a float32 or float16 (Uint16Array bits) tensor. */
export function asFloat32(t: Tensor, what: string): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof Uint16Array && t.dtype === 'float16') return Float32Array.from(t.data, (h) => halfToFloat(h));
  throw new TrtjsError('ERR_BAD_MODEL', `${what} must be float32 or float16, got ${t.dtype}`);
}

/** The output called `name`, or ERR_BAD_MODEL naming what the model gave. */
export function outputNamed(outputs: Record<string, Tensor>, name: string, task: string): Tensor {
  const t = outputs[name];
  if (!t)
    throw new TrtjsError('ERR_BAD_MODEL', `${task} model: output '${name}' is missing from the results (got ${Object.keys(outputs).join(', ') || 'none'})`);
  return t;
}

/** Checks one frame per batch item. */
export function checkBatch(task: string, batch: number, frames: readonly unknown[]): void {
  if (batch !== frames.length) throw new TrtjsError('ERR_SHAPE', `${task}: the output holds ${batch} images but ${frames.length} frames were given`);
}
