/**
 * Oriented boxes (`task: obb`): `output0` [batch, 4 + nc + 1, anchors] (cx, cy, w, h, class scores, angle in
 * radians) or end-to-end [batch, N, 7] (cx, cy, w, h, score, class, angle). As OBBPredictor.construct_result: the
 * rotated NMS (probiou "fast NMS", native/cpu/obb.cpp), `regularize_rboxes`, then `scale_boxes(..., xywh=True)`
 * (centres shifted and all four values divided by the gain, not clipped) and `xywhr2xyxyxyxy` for the corners.
 */
import type { Tensor } from '../../backends/backend.js';
import { callNative } from '../../errors.js';
import type { ModelInfo } from '../../model/model-info.js';
import { addon } from '../../native/binding.js';
import * as check from '../../util/validate.js';
import { PREDICT } from '../../defaults.js';
import type { BoxOptions } from '../options.js';
import { scaleXywh } from '../frame.js';
import { batchItem, boxOutput, checkBoxOutput, nativeParams, resultNames, runtimeLayout } from '../head-layout.js';
import { boxOptions } from '../options.js';
import { checkBatch, outputNamed } from '../tensors.js';
import type { Frame, ObbResult, TaskHead } from '../types.js';

export type ObbOptions = BoxOptions;

const f32 = Math.fround;

/**
 * `xywhr2xyxyxyxy` in float32: the corners ctr + vec1 + vec2, ctr + vec1 - vec2, ctr - vec1 - vec2, ctr - vec1 + vec2
 * with vec1 = (w/2 cos, w/2 sin) and vec2 = (-h/2 sin, h/2 cos).
 *
 * @example
 * ```ts
 * xywhr2xyxyxyxy(Float32Array.of(10, 10, 4, 2, 0)); // [12, 11, 12, 9, 8, 9, 8, 11]
 * ```
 */
export function xywhr2xyxyxyxy(xywhr: Float32Array): Float32Array {
  if (!(xywhr instanceof Float32Array) || xywhr.length % 5) check.fail('xywhr2xyxyxyxy: boxes', 'a Float32Array of 5 values per box', xywhr);
  const n = xywhr.length / 5;
  const out = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    const [cx, cy, w, h, r] = xywhr.subarray(i * 5, i * 5 + 5);
    const cos = f32(Math.cos(r));
    const sin = f32(Math.sin(r));
    const hw = f32(w / 2);
    const hh = f32(h / 2);
    const v1x = f32(hw * cos);
    const v1y = f32(hw * sin);
    const v2x = f32(-hh * sin);
    const v2y = f32(hh * cos);
    out.set(
      [
        f32(f32(cx + v1x) + v2x),
        f32(f32(cy + v1y) + v2y),
        f32(f32(cx + v1x) - v2x),
        f32(f32(cy + v1y) - v2y),
        f32(f32(cx - v1x) - v2x),
        f32(f32(cy - v1y) - v2y),
        f32(f32(cx - v1x) + v2x),
        f32(f32(cy - v1y) + v2y),
      ],
      i * 8,
    );
  }
  return out;
}

/** One image's rotated detections before scaling (model-input pixels, regularized). */
export interface RawObb {
  xywhr: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  nc: number;
}

export function decodeObbOutputs(outputs: Record<string, Tensor>, o: BoxOptions, info: ModelInfo): RawObb[] {
  const name = boxOutput('obb', info).name;
  const out = outputNamed(outputs, name, 'obb');
  const layout = runtimeLayout('obb', out, name, info, 1);
  const params = nativeParams(layout, o);
  const native = addon();
  const results: RawObb[] = [];
  for (let b = 0; b < layout.batch; b++) {
    const item = batchItem(out.data as Float32Array | Uint16Array, b, layout.rows, layout.cols);
    const r = callNative(() => native.decodeObb(item, params));
    results.push({ xywhr: r.boxes, scores: r.scores, classes: r.classes, nc: layout.nc });
  }
  return results;
}

export function obbResult(raw: RawObb, frame: Frame, names: string[]): ObbResult {
  const xywhr = scaleXywh(raw.xywhr, 5, frame);
  return {
    task: 'obb',
    sourceSize: [...frame.sourceSize],
    names,
    obb: { count: raw.scores.length, xywhr, xyxyxyxy: xywhr2xyxyxyxy(xywhr), conf: raw.scores, cls: raw.classes },
  };
}

export const obbHead: TaskHead<'obb', ObbOptions> = {
  task: 'obb',
  preprocess: 'letterbox',
  check(info: ModelInfo): void {
    checkBoxOutput('obb', info, 1);
  },
  options(fn: string, options: unknown): ObbOptions {
    return boxOptions(fn, options, PREDICT);
  },
  postprocess(outputs, frames, o, info) {
    const raw = decodeObbOutputs(outputs, o, info);
    checkBatch('obb', raw.length, frames);
    return raw.map((r, i) => obbResult(r, frames[i], resultNames(info, r.nc)));
  },
};
