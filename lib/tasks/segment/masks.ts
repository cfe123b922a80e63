/**
 * Instance masks from prototypes, as Ultralytics makes them (ultralytics/utils/ops.py), on the CPU in C++
 * (native/cpu/segment.cpp): `process_mask` (crop at prototype size, bilinear upsampling to the model input,
 * logit > 0), `process_mask_native` (retina masks: upsampling to the source through `scale_masks`, then the crop) and
 * `process_mask` without upsampling (the validator's prototype-size masks); `scale_image` to map model-input masks to
 * the source; `masks2segments` for the polygons.
 */
import { callNative } from '../../errors.js';
import { addon, type NativeMasks } from '../../native/binding.js';
import * as check from '../../util/validate.js';
import { PER_TASK } from '../../defaults.js';
import type { TensorData } from '../../backends/backend.js';
import type { TensorDtype } from '../../model/model-info.js';
import { asFloat32 } from '../tensors.js';
import type { InstanceMask } from '../types.js';
import { contoursToPolygons } from './polygons.js';

/** Masks and the frame they lie in. */
export interface MaskSet {
  /** Frame size [width, height]. */
  size: [number, number];
  masks: InstanceMask[];
}

export interface ProcessMasksOptions {
  /**
   * 'upsample' (default): `process_mask(..., upsample=True)`, masks at `shape`, the model-input size, boxes in
   * model-input pixels. 'native': `process_mask_native`, masks at `shape`, the source size, boxes in source pixels.
   * 'proto': `process_mask(..., upsample=False)`, masks at prototype size, boxes in model-input pixels (`shape`).
   */
  mode?: 'upsample' | 'native' | 'proto';
  /** [height, width], as Ultralytics' `shape` argument. */
  shape: [number, number];
  /**
   * crop_mask's rule: true crops to the box rounded to whole pixels (Ultralytics on the CPU with fewer than 50 masks),
   * false keeps pixel centres inside the exact box (more masks, or a GPU). Default: masks < 50.
   */
  roundCrop?: boolean;
}

const MODES = ['upsample', 'native', 'proto'] as const;

/** Views of native compact masks as InstanceMask objects (no copy). */
export function toInstanceMasks(m: NativeMasks): MaskSet {
  const masks: InstanceMask[] = [];
  let offset = 0;
  for (let i = 0; i < m.windows.length; i += 4) {
    const width = m.windows[i + 2];
    const height = m.windows[i + 3];
    masks.push({ x: m.windows[i], y: m.windows[i + 1], width, height, data: m.data.subarray(offset, offset + width * height) });
    offset += width * height;
  }
  return { size: [m.width, m.height], masks };
}

/** InstanceMask objects back to the native compact form. */
export function fromInstanceMasks(masks: readonly InstanceMask[]): { windows: Int32Array; data: Uint8Array } {
  const windows = new Int32Array(masks.length * 4);
  let total = 0;
  masks.forEach((m, i) => {
    windows.set([m.x, m.y, m.width, m.height], i * 4);
    total += m.width * m.height;
  });
  const data = new Uint8Array(total);
  let offset = 0;
  for (const m of masks) {
    data.set(m.data.subarray(0, m.width * m.height), offset);
    offset += m.width * m.height;
  }
  return { windows, data };
}

/**
 * The prototypes {@link processMasks} takes: one image's `[nm, mh, mw]` values, or a segmentation model's prototype
 * output as the backend returns it (`[1, nm, mh, mw]`, float32 or float16).
 */
export interface MaskPrototypes {
  /** float32 values, or float16 bits in a Uint16Array. */
  data: TensorData;
  /** [nm, mh, mw], or [1, nm, mh, mw]. */
  dims: readonly number[];
  /** 'float32' or 'float16' when given (a backend's tensor); without it the array type says which. */
  dtype?: TensorDtype;
}

const PROTO_DATA: Record<string, { name: string; ctor: typeof Float32Array | typeof Uint16Array }> = {
  float32: { name: 'Float32Array', ctor: Float32Array },
  float16: { name: 'Uint16Array (float16 bits)', ctor: Uint16Array },
};

/** The prototypes checked, as the float32 [nm, mh, mw] values the native code reads. */
function checkPrototypes(protos: unknown): { data: Float32Array; nm: number; mh: number; mw: number } {
  const p = check.object<{ data: unknown; dims: unknown; dtype?: unknown }>('processMasks: protos', protos);
  let dtype: 'float32' | 'float16';
  if (p.dtype !== undefined) {
    dtype = check.oneOf('processMasks: protos.dtype', p.dtype, ['float32', 'float16'] as const);
    if (!(p.data instanceof PROTO_DATA[dtype].ctor)) check.fail('processMasks: protos.data', `a ${PROTO_DATA[dtype].name} for dtype '${dtype}'`, p.data);
  } else if (p.data instanceof Float32Array) dtype = 'float32';
  else if (p.data instanceof Uint16Array) dtype = 'float16';
  else check.fail('processMasks: protos.data', 'a Float32Array, or a Uint16Array of float16 bits', p.data);
  if (!Array.isArray(p.dims) || (p.dims.length !== 3 && p.dims.length !== 4))
    check.fail('processMasks: protos.dims', "[nm, mh, mw], or [1, nm, mh, mw] as a model's prototype output", p.dims);
  const dims = p.dims as unknown[];
  // A model's output carries the batch; masks are made per image, so only a batch of one can be taken as it is.
  if (dims.length === 4 && dims[0] !== 1)
    check.fail('processMasks: protos.dims[0] (batch)', "1 (one image's prototypes; pass each image's [nm, mh, mw] slice of a larger batch)", dims[0]);
  const [nm, mh, mw] = dims.slice(-3).map((d, i) => check.integer(`processMasks: protos.dims[${i + dims.length - 3}]`, d, 1, 1 << 16));
  const values = p.data as Float32Array | Uint16Array;
  if (values.length !== nm * mh * mw) check.fail('processMasks: protos.data', `${nm * mh * mw} values for [${dims.join(', ')}]`, values);
  const data = asFloat32({ dtype, dims: dims as number[], data: values }, 'processMasks: protos');
  return { data, nm, mh, mw };
}

/**
 * Ultralytics' `process_mask` / `process_mask_native` for one image.
 *
 * @param protos the prototypes of this image: `{ data, dims: [nm, mh, mw] }` with float32 values, or the model's
 *   prototype output tensor as the backend returns it (`[1, nm, mh, mw]`, float32, or float16 bits in a
 *   Uint16Array). A batch above 1 is refused: pass each image's `[nm, mh, mw]` slice.
 * @param coeffs `n x nm` mask coefficients (the extra channels of the kept detections)
 * @param boxes `n x 4` boxes x1, y1, x2, y2 (model-input pixels; source pixels for 'native')
 *
 * @example
 * ```ts
 * const { output0, output1 } = await backend.run({ images: input });
 * const { masks } = processMasks(output1, coeffs, boxes, { shape: [640, 640] });
 * masks[0]; // { x, y, width, height, data } at 640 x 640
 * ```
 */
export function processMasks(protos: MaskPrototypes, coeffs: Float32Array, boxes: Float32Array, options: ProcessMasksOptions): MaskSet {
  const { data, nm, mh, mw } = checkPrototypes(protos);
  if (!(boxes instanceof Float32Array) || boxes.length % 4) check.fail('processMasks: boxes', 'a Float32Array of 4 values per box', boxes);
  const n = boxes.length / 4;
  if (!(coeffs instanceof Float32Array) || coeffs.length !== n * nm) check.fail('processMasks: coeffs', `a Float32Array of ${n} x ${nm} coefficients`, coeffs);
  const o = check.object<ProcessMasksOptions>('processMasks: options', options);
  const mode = check.optional(o.mode, 'upsample' as const, (v) => check.oneOf('processMasks: options.mode', v, MODES));
  if (!Array.isArray(o.shape) || o.shape.length !== 2) check.fail('processMasks: options.shape', '[height, width]', o.shape);
  const [h, w] = o.shape.map((d, i) => check.integer(`processMasks: options.shape[${i}]`, d, 1, 1 << 16));
  const roundCrop = check.optional(o.roundCrop, n < PER_TASK.roundCropBelow, (v) => check.boolean('processMasks: options.roundCrop', v));
  const m = callNative(() =>
    addon().processMasks(data, coeffs, boxes, { nm, mh, mw, outWidth: w, outHeight: h, mode: addon().constants.maskMode[mode], roundCrop }),
  );
  return toInstanceMasks(m);
}

/**
 * Ultralytics' `scale_image` for 0/1 masks: masks at model-input size (a letterboxed frame of `inputSize`) to the
 * source size — the padding removed (rounded as the letterbox rounds it) and the rest resized with cv2.resize's
 * INTER_LINEAR, bit-exact.
 */
export function scaleImageMasks(set: MaskSet, sourceSize: [number, number]): MaskSet {
  const { windows, data } = fromInstanceMasks(set.masks);
  const m = callNative(() =>
    addon().scaleMasks(windows, data, { width: set.size[0], height: set.size[1], sourceWidth: sourceSize[0], sourceHeight: sourceSize[1] }),
  );
  return toInstanceMasks(m);
}

/**
 * `masks2segments(masks, strategy="all")`: each mask's outer contours (cv2.findContours, RETR_EXTERNAL,
 * CHAIN_APPROX_SIMPLE), joined into one polygon when there are several; x, y pairs in the masks' frame.
 */
export function maskPolygons(set: MaskSet): Float32Array[] {
  const { windows, data } = fromInstanceMasks(set.masks);
  const c = callNative(() => addon().maskContours(windows, data));
  return contoursToPolygons(c.points, c.sizes, c.counts);
}
