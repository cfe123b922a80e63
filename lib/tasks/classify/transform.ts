/**
 * Ultralytics' classification pre-processing (`classify_transforms(imgsz)` as ClassificationPredictor and the
 * classification validator run it): torchvision `Resize(size)` of the PIL image (shorter side to `size`, longer side
 * to `int(size * long / short)`, Pillow's BILINEAR resampling), `CenterCrop(size)`, `ToTensor()` (RGB, CHW, / 255;
 * Normalize with Ultralytics' default mean 0 / std 1 changes nothing). Byte-exact with Pillow (native/cpu/
 * classify_transform.cpp), the way {@link letterbox} is byte-exact with OpenCV. No letterbox, no padding.
 */
import { BadInputError, callNative, settleNative } from '../../errors.js';
import { validateRawImage, type RawImage } from '../../image/raw-image.js';
import { pyRound } from '../../ops/geometry.js';
import type { LetterboxArray, LetterboxDtype, LetterboxLayout } from '../../ops/letterbox.js';
import { addon, type NativeClassifyParams } from '../../native/binding.js';
import * as check from '../../util/validate.js';
import { PER_TASK } from '../../defaults.js';
import type { ClassifyFrame } from '../types.js';

export interface ClassifyTransformOptions<D extends LetterboxDtype = LetterboxDtype> {
  /** Side of the square output (and the shorter side after the resize). Default 224. */
  size?: number;
  /** 'float32' (default, pixel/255), 'float16' (IEEE half bits in a Uint16Array), 'uint8'. */
  dtype?: D;
  /** 'nchw' (default) or 'nhwc'. RGB always. */
  layout?: LetterboxLayout;
  /** Write into this array instead of allocating (at least size * size * 3 elements). */
  out?: LetterboxArray<D>;
}

export interface ClassifyTransformResult<D extends LetterboxDtype = 'float32'> {
  data: LetterboxArray<D>;
  /** [1, 3, size, size] (nchw) or [1, size, size, 3] (nhwc). */
  shape: [number, number, number, number];
  dtype: D;
  layout: LetterboxLayout;
  /** Where the image went: the full resize and the crop taken from it. */
  frame: ClassifyFrame;
}

/**
 * torchvision's sizes for `Resize(size)` then `CenterCrop(size)` of a width x height image.
 *
 * @example
 * ```ts
 * classifyGeometry(810, 1080, 224); // { resized: [224, 298], crop: [0, 37] }
 * ```
 */
export function classifyGeometry(width: number, height: number, size: number): { resized: [number, number]; crop: [number, number] } {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((size * long) / short);
  const resized: [number, number] = width <= height ? [size, newLong] : [newLong, size];
  return { resized, crop: [pyRound((resized[0] - size) / 2), pyRound((resized[1] - size) / 2)] };
}

const DTYPES: LetterboxDtype[] = ['float32', 'float16', 'uint8'];
const LAYOUTS: LetterboxLayout[] = ['nchw', 'nhwc'];
const ARRAYS = { float32: Float32Array, float16: Uint16Array, uint8: Uint8Array } as const;

function plan(fn: string, image: RawImage, options: ClassifyTransformOptions | undefined) {
  const img = validateRawImage(`${fn}: image`, image);
  const o = check.options<ClassifyTransformOptions>(`${fn}: options`, options);
  const size = check.optional(o.size, PER_TASK.imgsz.classify, (v) => check.integer(`${fn}: options.size`, v, 1, 8192));
  const dtype = check.optional(o.dtype, 'float32' as LetterboxDtype, (v) => check.oneOf(`${fn}: options.dtype`, v, DTYPES));
  const layout = check.optional(o.layout, 'nchw' as LetterboxLayout, (v) => check.oneOf(`${fn}: options.layout`, v, LAYOUTS));
  const g = classifyGeometry(img.width, img.height, size);
  const elements = size * size * 3;
  const Ctor = ARRAYS[dtype];
  let out: Float32Array | Uint16Array | Uint8Array;
  if (o.out === undefined) out = new Ctor(elements);
  else {
    if (!(o.out instanceof Ctor) || (dtype === 'uint8' && o.out instanceof Uint8ClampedArray))
      check.fail(`${fn}: options.out`, `a ${Ctor.name} for dtype '${dtype}'`, o.out);
    if (o.out.length < elements) check.fail(`${fn}: options.out`, `at least ${elements} elements for a ${size}x${size} RGB output`, o.out);
    out = o.out.length === elements ? o.out : o.out.subarray(0, elements);
  }
  const { constants } = addon();
  const params: NativeClassifyParams = {
    width: img.width,
    height: img.height,
    channels: img.channels,
    stride: img.stride,
    order: constants.pixelOrder[img.order],
    resizedWidth: g.resized[0],
    resizedHeight: g.resized[1],
    cropLeft: g.crop[0],
    cropTop: g.crop[1],
    size,
    dtype: constants.outDtype[dtype],
    layout: constants.outLayout[layout],
  };
  const result: ClassifyTransformResult<LetterboxDtype> = {
    data: out,
    shape: layout === 'nchw' ? [1, 3, size, size] : [1, size, size, 3],
    dtype,
    layout,
    frame: { kind: 'classify', inputSize: [size, size], resized: g.resized, crop: g.crop, sourceSize: [img.width, img.height] },
  };
  return { src: img.data, params, out, result };
}

/**
 * Resize (shorter side to `size`, Pillow BILINEAR) and centre crop, as Ultralytics pre-processes images for
 * classification models. Synchronous; see {@link classifyTransformAsync}.
 *
 * @example
 * ```ts
 * const t = classifyTransform(await loadImage('bus.jpg'), { size: 224 });
 * // t.data: Float32Array [1, 3, 224, 224], RGB / 255
 * ```
 */
export function classifyTransform<D extends LetterboxDtype = 'float32'>(image: RawImage, options?: ClassifyTransformOptions<D>): ClassifyTransformResult<D> {
  const p = plan('classifyTransform', image, options as ClassifyTransformOptions);
  callNative(() => addon().classifyTransform(p.src, p.params, p.out));
  return p.result as ClassifyTransformResult<D>;
}

/**
 * {@link classifyTransform} on the libuv thread pool, keeping the event loop free (the resize reads every source
 * pixel). As {@link letterboxAsync} does, the source is copied first and an `out` you pass is written when the work
 * is done, so the arrays may be changed or transferred meanwhile without harm (a transferred `out` rejects with
 * ERR_BAD_INPUT).
 */
export async function classifyTransformAsync<D extends LetterboxDtype = 'float32'>(
  image: RawImage,
  options?: ClassifyTransformOptions<D>,
): Promise<ClassifyTransformResult<D>> {
  const o = check.options<ClassifyTransformOptions>('classifyTransformAsync: options', options);
  const p = plan('classifyTransformAsync', image, { ...o, out: undefined });
  // The user's `out` is checked now and written at the end; the work only touches memory it owns.
  const userOut = o.out === undefined ? undefined : plan('classifyTransformAsync', image, o).out;
  const src = p.src.slice(0, requiredBytes(p.params));
  await settleNative(() => addon().classifyTransformAsync(src, p.params, p.out));
  if (!userOut) return p.result as ClassifyTransformResult<D>;
  if (userOut.byteLength === 0 && p.out.byteLength > 0) {
    throw new BadInputError('classifyTransformAsync: options.out was detached (transferred) before the transform finished');
  }
  (userOut as Float32Array).set(p.out as Float32Array);
  return { ...p.result, data: userOut } as ClassifyTransformResult<D>;
}

/**
 * {@link classifyTransformAsync} for pixels that no caller can reach while it runs (decoded by trtjs itself): no
 * copy of the source; the output is allocated here.
 */
export async function classifyTransformOwnedAsync<D extends LetterboxDtype = 'float32'>(
  image: RawImage,
  options: Omit<ClassifyTransformOptions<D>, 'out'>,
): Promise<ClassifyTransformResult<D>> {
  const p = plan('classifyTransformAsync', image, { ...(options as ClassifyTransformOptions), out: undefined });
  await settleNative(() => addon().classifyTransformAsync(p.src, p.params, p.out));
  return p.result as ClassifyTransformResult<D>;
}

/** Bytes of the source the transform reads: height rows of `stride`, the last one `width * channels` long. */
function requiredBytes(p: NativeClassifyParams): number {
  return (p.height - 1) * p.stride + p.width * p.channels;
}
