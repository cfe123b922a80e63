/**
 * Where the boxes are in a task model's outputs and how they are laid out: Ultralytics exports
 * `[batch, 4 + nc + extra, anchors]` (extra: 32 mask coefficients for segment, nk x ndim keypoint values for pose,
 * 1 angle for obb, 0 for detect), or, end-to-end (NMS-free), `[batch, N, 6 + extra]`.
 */
import type { Tensor } from '../backends/backend.js';
import { TrtjsError } from '../errors.js';
import type { ModelInfo, TensorInfo } from '../model/model-info.js';
import type { NativeDecodeParams } from '../native/binding.js';
import type { BoxOptions } from './options.js';
import type { Task } from './types.js';

export interface BoxLayout {
  /** Anchor-free ([4 + nc + extra, anchors], or transposed) or end-to-end ([N, 6 + extra]). */
  format: 'yolov8' | 'end2end';
  channelsFirst: boolean;
  rows: number;
  cols: number;
  nc: number;
  /** Channels after the box and class scores (anchor-free) or after x1, y1, x2, y2, score, class (end-to-end). */
  extra: number;
}

const known = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;

/** The model's class count from its names, if it has them. */
export function classCount(info: ModelInfo): number | undefined {
  return info.names?.length ? info.names.length : undefined;
}

/**
 * Lays out one batch item `[rows, cols]` of a box head with `extra` channels. Returns a reason string when the shape
 * fits no layout.
 */
export function layoutOf(rows: number, cols: number, nc: number | undefined, extra: number, end2end: boolean | undefined): BoxLayout | string {
  const want = nc === undefined ? undefined : 4 + nc + extra;
  if (end2end === true) {
    return cols >= 6 + extra
      ? { format: 'end2end', channelsFirst: false, rows, cols, nc: nc ?? 0, extra }
      : `an end-to-end head has ${6 + extra} values per row, found ${cols}`;
  }
  if (want !== undefined) {
    if (rows === want) return { format: 'yolov8', channelsFirst: true, rows, cols, nc: nc!, extra };
    if (cols === want) return { format: 'yolov8', channelsFirst: false, rows, cols, nc: nc!, extra };
    if (cols === 6 + extra && rows > cols) return { format: 'end2end', channelsFirst: false, rows, cols, nc: nc!, extra };
    return `with ${nc} classes and ${extra} extra values the head has ${want} channels (or ${6 + extra} values per row end-to-end), found [${rows}, ${cols}]`;
  }
  if (end2end === undefined && cols === 6 + extra && rows > cols) return { format: 'end2end', channelsFirst: false, rows, cols, nc: 0, extra };
  if (rows < cols && rows - 4 - extra >= 1) return { format: 'yolov8', channelsFirst: true, rows, cols, nc: rows - 4 - extra, extra };
  return `cannot tell the class count from [${rows}, ${cols}] without class names in the metadata`;
}

/** The 3-D output that holds the boxes (the first one, as Ultralytics' output0). */
export function boxOutput(task: Task, info: ModelInfo): TensorInfo {
  const out = info.outputs.find((o) => o.shape.length === 3);
  if (!out) {
    const noun = { detect: 'detection', segment: 'segmentation', pose: 'pose', obb: 'oriented-box', classify: 'classification' }[task];
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `${task} model: its outputs (${describeOutputs(info)}) are not a YOLO ${noun} head: none has the shape [batch, channels, anchors]`,
    );
  }
  return out;
}

export function describeOutputs(info: ModelInfo): string {
  return info.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ') || 'none';
}

/** Checks a box output's static shape against a task at load (dynamic dimensions are checked per batch). */
export function checkBoxOutput(task: Task, info: ModelInfo, extra: number): void {
  const out = boxOutput(task, info);
  const [, rows, cols] = out.shape;
  if (!known(rows) || !known(cols)) return;
  const layout = layoutOf(rows, cols, classCount(info), extra, info.end2end);
  if (typeof layout === 'string') throw new TrtjsError('ERR_BAD_MODEL', `${task} model: output '${out.name}' [${out.shape.join(', ')}]: ${layout}`);
}

/** The layout of an actual output tensor; ERR_BAD_MODEL when it fits none. */
export function runtimeLayout(task: Task, tensor: Tensor, name: string, info: ModelInfo, extra: number): BoxLayout & { batch: number } {
  if (tensor.dims.length !== 3 || !(tensor.data instanceof Float32Array || tensor.data instanceof Uint16Array)) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `${task} model: output '${name}' must be float32/float16 [batch, rows, cols], got ${tensor.dtype} [${tensor.dims.join(', ')}]`,
    );
  }
  const [batch, rows, cols] = tensor.dims;
  const layout = layoutOf(rows, cols, classCount(info), extra, info.end2end);
  if (typeof layout === 'string') throw new TrtjsError('ERR_BAD_MODEL', `${task} model: output '${name}' [${tensor.dims.join(', ')}]: ${layout}`);
  return { ...layout, batch };
}

/** decode's native parameters for a layout and options. */
export function nativeParams(layout: BoxLayout, o: BoxOptions): NativeDecodeParams {
  return {
    format: layout.format === 'yolov8' ? 1 : 2,
    channelsFirst: layout.channelsFirst,
    rows: layout.rows,
    cols: layout.cols,
    nc: layout.nc,
    conf: o.conf,
    iou: o.iou,
    maxDet: o.maxDet,
    maxNms: o.maxNms,
    agnostic: o.agnostic,
    multiLabel: o.multiLabel,
    classes: o.classes ? Int32Array.from(o.classes) : null,
  };
}

/** First extra channel: after the class scores (anchor-free) or after the class column (end-to-end). */
export function extraStart(layout: BoxLayout): number {
  return layout.format === 'end2end' ? 6 : 4 + layout.nc;
}

/** One batch item of a [batch, rows, cols] tensor. */
export function batchItem<T extends Float32Array | Uint16Array>(data: T, b: number, rows: number, cols: number): T {
  const n = rows * cols;
  return data.subarray(b * n, (b + 1) * n) as T;
}

/** Class names for results: the model's, else ids as strings. */
export function resultNames(info: ModelInfo, nc: number): string[] {
  return info.names?.length ? [...info.names] : Array.from({ length: nc }, (_, i) => String(i));
}
