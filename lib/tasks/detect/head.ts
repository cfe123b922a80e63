/**
 * Detection (`task: detect`) as a task head: the YOLOv5 / YOLOv8-11 / end-to-end heads of {@link decode} and
 * `scale_boxes`, the same steps as `Detector`, so a predictor can treat every task alike.
 */
import type { Tensor } from '../../backends/backend.js';
import { TrtjsError } from '../../errors.js';
import type { ModelInfo } from '../../model/model-info.js';
import { decode, detectHeadLayout, type DecodeOptions } from '../../ops/decode.js';
import type { Detections } from '../../ops/detections.js';
import { PREDICT } from '../../defaults.js';
import type { BoxOptions } from '../options.js';
import { scaleXyxy } from '../frame.js';
import { boxOutput, resultNames } from '../head-layout.js';
import { boxOptions } from '../options.js';
import { checkBatch, outputNamed } from '../tensors.js';
import type { DetectResult, Frame, TaskHead } from '../types.js';

export type DetectOptions = BoxOptions;

export const detectHead: TaskHead<'detect', DetectOptions> = {
  task: 'detect',
  preprocess: 'letterbox',
  check(info: ModelInfo): void {
    const out = boxOutput('detect', info);
    const [, rows, cols] = out.shape;
    if (typeof rows !== 'number' || typeof cols !== 'number' || rows <= 0 || cols <= 0) return;
    try {
      detectHeadLayout(rows, cols, 'auto', info.names?.length, info.end2end);
    } catch (err) {
      throw new TrtjsError('ERR_BAD_MODEL', `detect model: ${(err as Error).message.replace(/^decode: /, '')}`, { cause: err });
    }
  },
  options(fn: string, options: unknown): DetectOptions {
    return boxOptions(fn, options, PREDICT);
  },
  postprocess(outputs: Record<string, Tensor>, frames, o, info): DetectResult[] {
    const name = boxOutput('detect', info).name;
    const out = outputNamed(outputs, name, 'detect');
    if (!(out.data instanceof Float32Array || out.data instanceof Uint16Array) || out.dims.length !== 3) {
      throw new TrtjsError(
        'ERR_BAD_MODEL',
        `detect model: output '${name}' must be float32/float16 [batch, rows, cols], got ${out.dtype} [${out.dims.join(', ')}]`,
      );
    }
    return detectResults(decode(out.data, out.dims, detectDecodeOptions(o, info)), frames, info);
  },
};

/** What a detect model's head is decoded with: the call's box options and the model's class count and head kind. */
export function detectDecodeOptions(o: DetectOptions, info: ModelInfo): DecodeOptions {
  return {
    conf: o.conf,
    iou: o.iou,
    maxDet: o.maxDet,
    maxNms: o.maxNms,
    agnostic: o.agnostic,
    multiLabel: o.multiLabel,
    classes: o.classes ?? undefined,
    nc: info.names?.length,
    end2end: info.end2end,
  };
}

/** Detections in input-tensor pixels (decoded on the CPU or on the GPU), one per frame, as detect results. */
export function detectResults(decoded: Detections[], frames: readonly Frame[], info: ModelInfo): DetectResult[] {
  checkBatch('detect', decoded.length, frames);
  const nc = info.names?.length ?? Math.max(0, ...decoded.flatMap((d) => Array.from(d.classes, (c) => c + 1)));
  const names = resultNames(info, nc);
  return decoded.map((d, i) => ({
    task: 'detect',
    sourceSize: [...frames[i].sourceSize],
    names,
    boxes: { count: d.count, xyxy: scaleXyxy(d.boxes, frames[i]), conf: d.scores, cls: d.classes },
  }));
}
