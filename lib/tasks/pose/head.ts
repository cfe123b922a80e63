/**
 * Pose (`task: pose`): `output0` [batch, 4 + nc + nk * ndim, anchors] (or end-to-end [batch, N, 6 + nk * ndim]) with
 * `kpt_shape: [nk, ndim]` in the metadata. As PosePredictor.construct_result: NMS carrying each box's keypoints,
 * boxes by `scale_boxes`, keypoints by `scale_coords` (padding removed without rounding, divided by the gain, clipped
 * to the image; the visibility, already a probability in the export, unchanged).
 */
import type { Tensor } from '../../backends/backend.js';
import { callNative, TrtjsError } from '../../errors.js';
import type { ModelInfo } from '../../model/model-info.js';
import { parsePythonLiteral, type PyValue } from '../../model/python-literal.js';
import { addon } from '../../native/binding.js';
import { PREDICT } from '../../defaults.js';
import type { BoxOptions } from '../options.js';
import { scalePoints, scaleXyxy } from '../frame.js';
import { batchItem, boxOutput, checkBoxOutput, extraStart, nativeParams, resultNames, runtimeLayout } from '../head-layout.js';
import { boxOptions } from '../options.js';
import { checkBatch, outputNamed } from '../tensors.js';
import type { Frame, PoseResult, TaskHead } from '../types.js';

export type PoseOptions = BoxOptions;

/**
 * The model's `kpt_shape` metadata: [keypoints, values per keypoint (2: x, y; 3: x, y, visibility)].
 *
 * @throws ERR_BAD_MODEL when it is missing or malformed
 */
export function kptShape(info: ModelInfo): [number, number] {
  const raw = info.metadata.kpt_shape;
  if (raw === undefined)
    throw new TrtjsError('ERR_BAD_MODEL', "pose model: the metadata has no 'kpt_shape' (e.g. [17, 3]); without it the keypoint layout is unknown");
  let v: PyValue;
  try {
    v = parsePythonLiteral(raw, "metadata 'kpt_shape'");
  } catch (err) {
    throw new TrtjsError('ERR_BAD_MODEL', `pose model: metadata 'kpt_shape' is not a literal: ${JSON.stringify(raw)}`, { cause: err });
  }
  const ok = Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && (v[0] as number) >= 1 && (v[1] === 2 || v[1] === 3);
  if (!ok) throw new TrtjsError('ERR_BAD_MODEL', `pose model: metadata 'kpt_shape' must be [keypoints >= 1, 2 or 3], got ${JSON.stringify(raw)}`);
  return [(v as number[])[0], (v as number[])[1]];
}

/** One image's pose detections before scaling (model-input pixels). */
export interface RawPose {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** n x nk x ndim raw keypoint values. */
  keypoints: Float32Array;
  nc: number;
}

export function decodePose(outputs: Record<string, Tensor>, o: BoxOptions, info: ModelInfo): RawPose[] {
  const [nk, ndim] = kptShape(info);
  const name = boxOutput('pose', info).name;
  const out = outputNamed(outputs, name, 'pose');
  const layout = runtimeLayout('pose', out, name, info, nk * ndim);
  const params = nativeParams(layout, o);
  const native = addon();
  const results: RawPose[] = [];
  for (let b = 0; b < layout.batch; b++) {
    const item = batchItem(out.data as Float32Array | Uint16Array, b, layout.rows, layout.cols);
    const r = callNative(() => native.decodeExtras(item, params, extraStart(layout), nk * ndim));
    results.push({ boxes: r.boxes, scores: r.scores, classes: r.classes, keypoints: r.extras, nc: layout.nc });
  }
  return results;
}

/** Results for one image from its raw detections. */
export function poseResult(raw: RawPose, frame: Frame, shape: [number, number], names: string[]): PoseResult {
  const [nk, ndim] = shape;
  const n = raw.scores.length;
  const data = scalePoints(raw.keypoints, ndim, frame);
  const xy = new Float32Array(n * nk * 2);
  const conf = ndim === 3 ? new Float32Array(n * nk) : null;
  for (let k = 0; k < n * nk; k++) {
    xy[k * 2] = data[k * ndim];
    xy[k * 2 + 1] = data[k * ndim + 1];
    if (conf) conf[k] = data[k * ndim + 2];
  }
  return {
    task: 'pose',
    sourceSize: [...frame.sourceSize],
    names,
    boxes: { count: n, xyxy: scaleXyxy(raw.boxes, frame), conf: raw.scores, cls: raw.classes },
    keypoints: { count: n, shape: [nk, ndim], data, xy, conf },
  };
}

export const poseHead: TaskHead<'pose', PoseOptions> = {
  task: 'pose',
  preprocess: 'letterbox',
  check(info: ModelInfo): void {
    const [nk, ndim] = kptShape(info);
    checkBoxOutput('pose', info, nk * ndim);
  },
  options(fn: string, options: unknown): PoseOptions {
    return boxOptions(fn, options, PREDICT);
  },
  postprocess(outputs, frames, o, info) {
    const shape = kptShape(info);
    const raw = decodePose(outputs, o, info);
    checkBatch('pose', raw.length, frames);
    return raw.map((r, i) => poseResult(r, frames[i], shape, resultNames(info, r.nc)));
  },
};
