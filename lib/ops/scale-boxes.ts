import * as check from '../util/validate.js';
import type { Detections } from './detections.js';
import { pyRound } from './geometry.js';
import type { LetterboxDtype, LetterboxResult } from './letterbox.js';

/** An explicit mapping: tensor = source · scale + pad. */
export interface BoxMapping {
  /** Ratio from source to tensor pixels, one number or [x, y]. */
  scale: number | [number, number];
  /** Padding [left, top] in tensor pixels. */
  pad: [number, number];
}

const f32 = Math.fround;

/**
 * Maps boxes from model-input (letterboxed) pixels back to the source image and clips them to it, as
 * Ultralytics' `scale_boxes` does after predict: from a letterbox result it derives gain and padding from the
 * two sizes exactly like `scale_boxes(img1_shape, boxes, img0_shape)` (float32 arithmetic, Python rounding);
 * where that formula cannot describe the letterbox (`scaleFill`, or `scaleUp: false` on a small image) it uses
 * the letterbox's own ratio and padding. With `{ scale, pad }` it is `scale_boxes(..., ratio_pad=(scale, pad))`.
 *
 * @returns a copy of `detections` with boxes in source pixels
 * @example
 * ```ts
 * const lb = letterbox(image);
 * const [dets] = decode(output, [1, 84, 8400]);
 * const inSource = scaleBoxes(dets, lb);
 * ```
 */
export function scaleBoxes<T extends Detections>(detections: T, from: LetterboxResult<LetterboxDtype> | BoxMapping, sourceSize?: [number, number]): T {
  const d = check.object<Detections>('scaleBoxes: detections', detections);
  const count = check.integer('scaleBoxes: detections.count', d.count, 0, 2 ** 31 - 1);
  if (!(d.boxes instanceof Float32Array) || d.boxes.length < count * 4)
    check.fail('scaleBoxes: detections.boxes', `a Float32Array of ${count * 4} values`, d.boxes);
  const m = check.object<Partial<LetterboxResult<LetterboxDtype>> & BoxMapping>('scaleBoxes: from', from);
  const pair = (name: string, v: unknown, min: number): [number, number] => {
    if (!Array.isArray(v) || v.length !== 2) check.fail(name, '[x, y]', v);
    return [check.number(`${name}[0]`, v[0], min), check.number(`${name}[1]`, v[1], min)];
  };
  const size = sourceSize ?? m.sourceSize;
  if (!Array.isArray(size) || size.length !== 2) check.fail('scaleBoxes: sourceSize', '[width, height] of the source image', size);
  const w0 = check.integer('scaleBoxes: sourceSize[0] (width)', size[0], 1);
  const h0 = check.integer('scaleBoxes: sourceSize[1] (height)', size[1], 1);

  let gx: number, gy: number, px: number, py: number;
  if (m.shape !== undefined && m.layout !== undefined) {
    if (!Array.isArray(m.shape) || m.shape.length !== 4)
      check.fail('scaleBoxes: from.shape', 'the letterbox result shape [1, 3, h, w] or [1, h, w, 3]', m.shape);
    const [h1, w1] = m.layout === 'nchw' ? [m.shape[2], m.shape[3]] : [m.shape[1], m.shape[2]];
    const scale = pair('scaleBoxes: from.scale', m.scale, Number.MIN_VALUE);
    const pad = pair('scaleBoxes: from.pad', m.pad, 0);
    const gain = Math.min(h1 / h0, w1 / w0);
    const uniform = scale[0] === scale[1] && Math.abs(gain - scale[0]) <= 0.01 * gain;
    if (uniform) {
      gx = gy = gain;
      px = pyRound((w1 - w0 * gain) / 2 - 0.1);
      py = pyRound((h1 - h0 * gain) / 2 - 0.1);
    } else {
      [gx, gy] = scale;
      [px, py] = pad;
    }
  } else {
    const scale = typeof m.scale === 'number' ? [m.scale, m.scale] : m.scale;
    [gx, gy] = pair('scaleBoxes: from.scale', scale, Number.MIN_VALUE);
    [px, py] = pair('scaleBoxes: from.pad', m.pad, -Infinity);
  }

  // torch: float32 tensor op Python scalar computes in float32
  const fgx = f32(gx),
    fgy = f32(gy),
    fpx = f32(px),
    fpy = f32(py);
  const boxes = new Float32Array(count * 4);
  const clip = (v: number, max: number) => (v < 0 ? 0 : Math.min(v, max));
  for (let i = 0; i < count; i++) {
    const o = i * 4;
    boxes[o] = clip(f32(f32(d.boxes[o] - fpx) / fgx), w0);
    boxes[o + 1] = clip(f32(f32(d.boxes[o + 1] - fpy) / fgy), h0);
    boxes[o + 2] = clip(f32(f32(d.boxes[o + 2] - fpx) / fgx), w0);
    boxes[o + 3] = clip(f32(f32(d.boxes[o + 3] - fpy) / fgy), h0);
  }
  return { ...detections, boxes };
}
