/**
 * From model-input pixels back to the source image, as Ultralytics maps each kind of output: `scale_boxes` for boxes
 * (gain from the two sizes, padding rounded as the letterbox rounds it, boxes clipped; rotated boxes: centres
 * shifted, all four sizes divided, nothing clipped) and `scale_coords` for keypoints and polygons (the padding
 * *not* rounded, points clipped). Where those formulas cannot describe the letterbox (`scaleFill`, or `scaleUp:
 * false` on a small image) the frame's own ratio and padding are used, as `ratio_pad` would give them.
 * Arithmetic is float32 as torch does it with Python scalars.
 */
import type { LetterboxDtype, LetterboxResult } from '../ops/letterbox.js';
import { pyRound } from '../ops/geometry.js';
import * as check from '../util/validate.js';
import type { Frame, LetterboxFrame } from './types.js';

const f32 = Math.fround;

/** x' = (x - px) / gx, y' = (y - py) / gy, every value a float32. */
export interface Mapping {
  gx: number;
  gy: number;
  px: number;
  py: number;
}

/** The frame of a letterbox result. */
export function letterboxFrame(lb: LetterboxResult<LetterboxDtype>): LetterboxFrame {
  const [h, w] = lb.layout === 'nchw' ? [lb.shape[2], lb.shape[3]] : [lb.shape[1], lb.shape[2]];
  return { kind: 'letterbox', inputSize: [w, h], scale: [...lb.scale], pad: [...lb.pad], resized: [...lb.resized], sourceSize: [...lb.sourceSize] };
}

function uniformGain(frame: LetterboxFrame): number | undefined {
  const [w1, h1] = frame.inputSize;
  const [w0, h0] = frame.sourceSize;
  const gain = Math.min(h1 / h0, w1 / w0);
  return frame.scale[0] === frame.scale[1] && Math.abs(gain - frame.scale[0]) <= 0.01 * gain ? gain : undefined;
}

/** scale_boxes' gain and padding (the padding rounded: `round((w1 - w0 * gain) / 2 - 0.1)`). */
export function boxMapping(frame: Frame): Mapping {
  if (frame.kind !== 'letterbox') return { gx: 1, gy: 1, px: 0, py: 0 };
  const gain = uniformGain(frame);
  if (gain === undefined) return { gx: f32(frame.scale[0]), gy: f32(frame.scale[1]), px: f32(frame.pad[0]), py: f32(frame.pad[1]) };
  const [w1, h1] = frame.inputSize;
  const [w0, h0] = frame.sourceSize;
  return { gx: f32(gain), gy: f32(gain), px: f32(pyRound((w1 - w0 * gain) / 2 - 0.1)), py: f32(pyRound((h1 - h0 * gain) / 2 - 0.1)) };
}

/** scale_coords' gain and padding (`(w1 - w0 * gain) / 2`, not rounded). */
export function coordMapping(frame: Frame): Mapping {
  if (frame.kind !== 'letterbox') return { gx: 1, gy: 1, px: 0, py: 0 };
  const gain = uniformGain(frame);
  if (gain === undefined) return { gx: f32(frame.scale[0]), gy: f32(frame.scale[1]), px: f32(frame.pad[0]), py: f32(frame.pad[1]) };
  const [w1, h1] = frame.inputSize;
  const [w0, h0] = frame.sourceSize;
  return { gx: f32(gain), gy: f32(gain), px: f32((w1 - w0 * gain) / 2), py: f32((h1 - h0 * gain) / 2) };
}

const clip = (v: number, max: number) => (v < 0 ? 0 : Math.min(v, max));

/** scale_boxes on x1, y1, x2, y2 boxes (n = boxes.length / 4), clipped to the source (clip_boxes). */
export function scaleXyxy(boxes: Float32Array, frame: Frame): Float32Array {
  const m = boxMapping(frame);
  const [w0, h0] = frame.sourceSize;
  const out = new Float32Array(boxes.length);
  for (let o = 0; o + 3 < boxes.length; o += 4) {
    out[o] = clip(f32(f32(boxes[o] - m.px) / m.gx), w0);
    out[o + 1] = clip(f32(f32(boxes[o + 1] - m.py) / m.gy), h0);
    out[o + 2] = clip(f32(f32(boxes[o + 2] - m.px) / m.gx), w0);
    out[o + 3] = clip(f32(f32(boxes[o + 3] - m.py) / m.gy), h0);
  }
  return out;
}

/** scale_boxes(..., xywh=True) on rows of `stride` values starting cx, cy, w, h: centres shifted, all four divided. */
export function scaleXywh(boxes: Float32Array, stride: number, frame: Frame): Float32Array {
  const m = boxMapping(frame);
  const out = Float32Array.from(boxes);
  for (let o = 0; o + 3 < boxes.length; o += stride) {
    out[o] = f32(f32(boxes[o] - m.px) / m.gx);
    out[o + 1] = f32(f32(boxes[o + 1] - m.py) / m.gy);
    out[o + 2] = f32(boxes[o + 2] / m.gx);
    out[o + 3] = f32(boxes[o + 3] / m.gy);
  }
  return out;
}

/**
 * scale_coords on points: `stride` values per point starting x, y (other values, e.g. a visibility, unchanged),
 * clipped to the source (clip_coords).
 */
export function scalePoints(points: Float32Array, stride: number, frame: Frame): Float32Array {
  const m = coordMapping(frame);
  const [w0, h0] = frame.sourceSize;
  const out = Float32Array.from(points);
  for (let o = 0; o + 1 < points.length; o += stride) {
    out[o] = clip(f32(f32(points[o] - m.px) / m.gx), w0);
    out[o + 1] = clip(f32(f32(points[o + 1] - m.py) / m.gy), h0);
  }
  return out;
}

/** clip_coords: x to [0, width], y to [0, height] on points of `stride` values starting x, y. */
export function clipPoints(points: Float32Array, stride: number, width: number, height: number): Float32Array {
  const out = Float32Array.from(points);
  for (let o = 0; o + 1 < points.length; o += stride) {
    out[o] = clip(points[o], width);
    out[o + 1] = clip(points[o + 1], height);
  }
  return out;
}

/** Checks a frame argument (its kind and sizes). */
export function validateFrame(name: string, value: unknown): Frame {
  const f = check.object<Frame>(name, value);
  const kind: unknown = f.kind;
  if (kind !== 'letterbox' && kind !== 'classify') check.fail(`${name}.kind`, "'letterbox' or 'classify'", kind);
  const pair = (key: string, v: unknown, min: number) => {
    if (!Array.isArray(v) || v.length !== 2) check.fail(`${name}.${key}`, '[width, height]', v);
    v.forEach((d, i) => {
      check.number(`${name}.${key}[${i}]`, d, min);
    });
  };
  pair('inputSize', f.inputSize, 1);
  pair('sourceSize', f.sourceSize, 1);
  if (f.kind === 'letterbox') {
    pair('scale', f.scale, Number.MIN_VALUE);
    pair('pad', f.pad, -Infinity);
  }
  return f;
}
