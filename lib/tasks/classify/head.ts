/**
 * Classification (`task: classify`): one output [batch, nc] of class probabilities (Ultralytics' exported Classify
 * head ends in a softmax). Images are pre-processed by {@link classifyTransform}, not letterboxed. Results carry
 * Ultralytics' `Probs`: the probabilities, top-1 and top-5.
 */
import type { Tensor } from '../../backends/backend.js';
import { TrtjsError } from '../../errors.js';
import type { ModelInfo } from '../../model/model-info.js';
import * as check from '../../util/validate.js';
import { PER_TASK } from '../../defaults.js';
import { describeOutputs, resultNames } from '../head-layout.js';
import { asFloat32, checkBatch, outputNamed } from '../tensors.js';
import type { ClassifyResult, Probs, TaskHead } from '../types.js';

/** Classification takes no per-call options. */
export type ClassifyOptions = Record<string, never>;

function classifyOutput(info: ModelInfo) {
  const out = info.outputs.find((o) => o.shape.length === 2);
  if (!out) throw new TrtjsError('ERR_BAD_MODEL', `classify model: no output of shape [batch, classes]; outputs: ${describeOutputs(info)}`);
  return out;
}

/**
 * `Probs` of one probability vector: top1 = argmax, top5 = the five largest, most probable first (equal
 * probabilities keep class order; torch's argsort leaves that order unspecified).
 *
 * @example
 * ```ts
 * probsOf(Float32Array.of(0.1, 0.7, 0.2)).top5; // [1, 2, 0]
 * ```
 */
export function probsOf(data: Float32Array): Probs {
  // NaN ranks last, as torch's `(-probs).argsort()` puts it (a NaN difference would make the sort inconsistent).
  const order = Array.from({ length: data.length }, (_, i) => i).sort((a, b) => {
    const [x, y] = [data[a], data[b]];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y)) || a - b;
    return y - x || a - b;
  });
  const top5 = order.slice(0, PER_TASK.topK);
  return { data, top1: order[0], top1conf: data[order[0]], top5, top5conf: top5.map((i) => data[i]) };
}

export const classifyHead: TaskHead<'classify', ClassifyOptions> = {
  task: 'classify',
  preprocess: 'classify',
  check(info: ModelInfo): void {
    const out = classifyOutput(info);
    const nc = out.shape[1];
    if (typeof nc === 'number' && nc > 0 && info.names?.length && info.names.length !== nc) {
      throw new TrtjsError('ERR_BAD_MODEL', `classify model: output '${out.name}' has ${nc} classes but the metadata names ${info.names.length}`);
    }
    const input = info.inputs[0];
    const [h, w] = [input?.shape[2], input?.shape[3]];
    if (typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 && h !== w) {
      throw new TrtjsError(
        'ERR_BAD_MODEL',
        `classify model: input [${input.shape.join(', ')}] is not square; Ultralytics' classification transform crops a square`,
      );
    }
  },
  options(fn: string, options: unknown): ClassifyOptions {
    check.options(fn, options);
    return {};
  },
  postprocess(outputs: Record<string, Tensor>, frames, _o, info): ClassifyResult[] {
    const name = classifyOutput(info).name;
    const out = outputNamed(outputs, name, 'classify');
    if (out.dims.length !== 2) throw new TrtjsError('ERR_BAD_MODEL', `classify model: output '${name}' must be [batch, classes], got [${out.dims.join(', ')}]`);
    const [batch, nc] = out.dims;
    checkBatch('classify', batch, frames);
    const data = asFloat32(out, `classify model: output '${name}'`);
    const names = resultNames(info, nc);
    return frames.map((frame, b) => ({
      task: 'classify',
      sourceSize: [...frame.sourceSize],
      names,
      probs: probsOf(data.slice(b * nc, (b + 1) * nc)),
    }));
  },
};
