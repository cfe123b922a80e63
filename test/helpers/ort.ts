import { readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-node';

import { fixture } from './fixtures.js';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** Runs a fixture model directly with onnxruntime-node (the test's own path, independent of trtjs' backend). */
export async function runFixtureModel(
  model: string,
  data: Float32Array | Uint16Array,
  dims: number[],
): Promise<{ data: Float32Array | Uint16Array; dims: number[] }> {
  let s = sessions.get(model);
  if (!s) {
    s = ort.InferenceSession.create(readFileSync(fixture(`models/${model}`)), { executionProviders: ['cpu'] });
    sessions.set(model, s);
  }
  const session = await s;
  const tensor = new ort.Tensor(data instanceof Uint16Array ? 'float16' : 'float32', data, dims);
  const out = await session.run({ [session.inputNames[0]]: tensor });
  const t = out[session.outputNames[0]];
  return { data: t.data as Float32Array | Uint16Array, dims: Array.from(t.dims) };
}
