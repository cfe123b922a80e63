import { LETTERBOX } from '../defaults.js';
import { callNative, settleNative } from '../errors.js';
import { validateRawImage, type RawImage } from '../image/raw-image.js';
import { addon, type NativeLetterboxParams } from '../native/binding.js';
import * as check from '../util/validate.js';
import { letterboxGeometry } from './geometry.js';

export type LetterboxDtype = 'float32' | 'float16' | 'uint8';
export type LetterboxLayout = 'nchw' | 'nhwc';

/** The TypedArray that holds each dtype (float16 as raw IEEE half bits). */
export type LetterboxArray<D extends LetterboxDtype> = D extends 'float32' ? Float32Array : D extends 'float16' ? Uint16Array : Uint8Array;

/** Options with Ultralytics' names and defaults (`LetterBox` in ultralytics/data/augment.py). */
export interface LetterboxOptions<D extends LetterboxDtype = LetterboxDtype> {
  /** Target size: a number for a square, or [height, width]. Default 640. */
  size?: number | [number, number];
  /** Pad only up to the next multiple of `stride` (minimum rectangle) instead of to `size`. Default false. */
  auto?: boolean;
  /** Stride for `auto`. Default 32. */
  stride?: number;
  /** Stretch to `size` without keeping the aspect ratio. Default false. */
  scaleFill?: boolean;
  /** Allow enlarging small images. Default true. */
  scaleUp?: boolean;
  /** Split padding between both sides (else pad right and bottom only). Default true. */
  center?: boolean;
  /** Padding gray level. Default 114. */
  padValue?: number;
  /** 'float32' (default, pixel/255), 'float16' (IEEE half bits in a Uint16Array), 'uint8' (raw padded pixels). */
  dtype?: D;
  /** 'nchw' (default) or 'nhwc'. The channel order is always RGB. */
  layout?: LetterboxLayout;
  /** Write into this array instead of allocating (it must hold at least the output; the result views its start). */
  out?: LetterboxArray<D>;
}

export interface LetterboxResult<D extends LetterboxDtype = 'float32'> {
  /** The image tensor, RGB, in `layout`. */
  data: LetterboxArray<D>;
  /** [1, 3, height, width] for nchw, [1, height, width, 3] for nhwc. */
  shape: [number, number, number, number];
  dtype: D;
  layout: LetterboxLayout;
  /** Resize ratio [x, y] from source to tensor pixels. */
  scale: [number, number];
  /** Padding [left, top] in tensor pixels. */
  pad: [number, number];
  /** Size of the resized image inside the tensor, [width, height]. */
  resized: [number, number];
  /** Source image size, [width, height]. */
  sourceSize: [number, number];
}

const DTYPES: LetterboxDtype[] = ['float32', 'float16', 'uint8'];
const LAYOUTS: LetterboxLayout[] = ['nchw', 'nhwc'];
const ARRAY_OF: Record<LetterboxDtype, { name: string; ctor: typeof Float32Array | typeof Uint16Array | typeof Uint8Array }> = {
  float32: { name: 'Float32Array', ctor: Float32Array },
  float16: { name: 'Uint16Array', ctor: Uint16Array },
  uint8: { name: 'Uint8Array', ctor: Uint8Array },
};

/**
 * A new output array without V8's zero fill (a 640x640 float32 tensor is 4.9 MB: zeroing it costs about as much as
 * the letterbox itself). Safe because the letterbox writes every element, padding included, before the array is
 * returned; the memory is the array's own (not Buffer's shared pool).
 */
function freshOutput(dtype: LetterboxDtype, elements: number): Float32Array | Uint16Array | Uint8Array {
  const bytes = Buffer.allocUnsafeSlow(elements * ARRAY_OF[dtype].ctor.BYTES_PER_ELEMENT);
  const buffer = bytes.buffer as ArrayBuffer;
  if (dtype === 'float32') return new Float32Array(buffer, bytes.byteOffset, elements);
  if (dtype === 'float16') return new Uint16Array(buffer, bytes.byteOffset, elements);
  return new Uint8Array(buffer, bytes.byteOffset, elements);
}

/** A checked letterbox: its source pixels, native parameters, output and result. */
export interface LetterboxPlan {
  src: Uint8Array;
  params: NativeLetterboxParams;
  out: Float32Array | Uint16Array | Uint8Array;
  result: LetterboxResult<LetterboxDtype>;
}

/** Where a planned letterbox writes: `letterboxBatchAsync` gives each image its slice of the batch tensor. */
type OutputFor = (elements: number, width: number, height: number) => Float32Array | Uint16Array | Uint8Array;

function plan(fn: string, image: RawImage, options: LetterboxOptions | undefined, imageName = `${fn}: image`, outputFor?: OutputFor): LetterboxPlan {
  const img = validateRawImage(imageName, image);
  const o = check.options<LetterboxOptions>(`${fn}: options`, options);
  const sizeName = `${fn}: options.size`;
  let size: [number, number];
  if (o.size === undefined) size = [LETTERBOX.size, LETTERBOX.size];
  else if (typeof o.size === 'number') size = [check.integer(sizeName, o.size, 1, 16384), o.size];
  else if (Array.isArray(o.size) && o.size.length === 2) {
    size = [check.integer(`${sizeName}[0] (height)`, o.size[0], 1, 16384), check.integer(`${sizeName}[1] (width)`, o.size[1], 1, 16384)];
  } else check.fail(sizeName, 'a positive integer or [height, width]', o.size);
  const bool = (key: keyof LetterboxOptions, fallback: boolean) => check.optional(o[key], fallback, (v) => check.boolean(`${fn}: options.${key}`, v));
  const auto = bool('auto', LETTERBOX.auto);
  const scaleFill = bool('scaleFill', LETTERBOX.scaleFill);
  const scaleUp = bool('scaleUp', LETTERBOX.scaleUp);
  const center = bool('center', LETTERBOX.center);
  const stride = check.optional(o.stride, LETTERBOX.stride, (v) => check.integer(`${fn}: options.stride`, v, 1, 4096));
  const padValue = check.optional(o.padValue, LETTERBOX.padValue, (v) => check.integer(`${fn}: options.padValue`, v, 0, 255));
  const dtype = check.optional(o.dtype, LETTERBOX.dtype as LetterboxDtype, (v) => check.oneOf(`${fn}: options.dtype`, v, DTYPES));
  const layout = check.optional(o.layout, LETTERBOX.layout as LetterboxLayout, (v) => check.oneOf(`${fn}: options.layout`, v, LAYOUTS));

  const g = letterboxGeometry(img.width, img.height, { size, auto, scaleFill, scaleUp, center, stride });
  const [outW, outH] = g.output;
  const elements = outW * outH * 3;
  const kind = ARRAY_OF[dtype];
  let out: Float32Array | Uint16Array | Uint8Array;
  if (outputFor) {
    out = outputFor(elements, outW, outH);
  } else if (o.out === undefined) {
    out = freshOutput(dtype, elements);
  } else {
    if (!(o.out instanceof kind.ctor) || (dtype !== 'uint8' && o.out instanceof Uint8ClampedArray)) {
      check.fail(`${fn}: options.out`, `a ${kind.name} for dtype '${dtype}'`, o.out);
    }
    if (!(o.out.buffer instanceof ArrayBuffer))
      check.fail(`${fn}: options.out`, `a ${kind.name} on an ArrayBuffer (a SharedArrayBuffer cannot be written safely from a native thread)`, o.out);
    if (o.out.length < elements) check.fail(`${fn}: options.out`, `at least ${elements} elements for a ${outW}x${outH} RGB output`, o.out);
    out = o.out.length === elements ? o.out : o.out.subarray(0, elements);
  }
  const { constants } = addon();
  const params: NativeLetterboxParams = {
    width: img.width,
    height: img.height,
    channels: img.channels,
    stride: img.stride,
    order: constants.pixelOrder[img.order],
    resizedWidth: g.resized[0],
    resizedHeight: g.resized[1],
    outWidth: outW,
    outHeight: outH,
    padLeft: g.pad.left,
    padTop: g.pad.top,
    padValue,
    dtype: constants.outDtype[dtype],
    layout: constants.outLayout[layout],
  };
  const result: LetterboxResult<LetterboxDtype> = {
    data: out,
    shape: layout === 'nchw' ? [1, 3, outH, outW] : [1, outH, outW, 3],
    dtype,
    layout,
    scale: g.ratio,
    pad: [g.pad.left, g.pad.top],
    resized: g.resized,
    sourceSize: [img.width, img.height],
  };
  return { src: img.data, params, out, result };
}

/**
 * A letterbox checked and laid out as the native ops take it (the source pixels, the geometry, the pixel order) with
 * the result it describes, but no tensor written: for stages that letterbox elsewhere, such as the engine runtime's
 * image-in stage, whose CUDA kernel writes straight into the engine's input (`result.data` is empty then).
 */
export function planLetterbox(fn: string, image: RawImage, options?: LetterboxOptions, imageName?: string): LetterboxPlan {
  return plan(fn, image, options, imageName, () => new Uint8Array(0));
}

/**
 * Resizes keeping the aspect ratio, pads, converts to RGB and lays the result out as a model input tensor,
 * byte-for-byte as Ultralytics does it (OpenCV `INTER_LINEAR` resize, then `copyMakeBorder`, BGR→RGB,
 * HWC→CHW, /255). Runs synchronously on the calling thread (about a millisecond for 1080p → 640, see
 * bench/); use {@link letterboxAsync} to keep the event loop free for very large sources.
 *
 * @example
 * ```ts
 * const lb = letterbox({ data, width: 1920, height: 1080, channels: 3, order: 'rgb' }, { size: 640 });
 * // lb.data: Float32Array [1, 3, 640, 640]; lb.scale and lb.pad map boxes back (see scaleBoxes)
 * ```
 */
export function letterbox<D extends LetterboxDtype = 'float32'>(image: RawImage, options?: LetterboxOptions<D>): LetterboxResult<D> {
  const p = plan('letterbox', image, options as LetterboxOptions);
  callNative(() => addon().letterbox(p.src, p.params, p.out));
  return p.result as LetterboxResult<D>;
}

/**
 * {@link letterbox} on the libuv thread pool, keeping the event loop free. The source is copied first and an `out`
 * you pass is written when the work is done, so the arrays may be changed or transferred meanwhile without harm
 * (a transferred `out` rejects with ERR_BAD_INPUT).
 */
export async function letterboxAsync<D extends LetterboxDtype = 'float32'>(image: RawImage, options?: LetterboxOptions<D>): Promise<LetterboxResult<D>> {
  const p = plan('letterboxAsync', image, options as LetterboxOptions);
  const ownOut = (options as LetterboxOptions | undefined)?.out === undefined;
  await settleNative(() => addon().letterboxAsync(p.src, p.params, p.out, true, !ownOut));
  return p.result as LetterboxResult<D>;
}

/**
 * {@link letterboxAsync} for pixels that no caller can reach while it runs (decoded by trtjs itself): no copy of the
 * source. The output is always allocated here.
 */
export async function letterboxOwnedAsync<D extends LetterboxDtype = 'float32'>(
  image: RawImage,
  options: Omit<LetterboxOptions<D>, 'out'>,
): Promise<LetterboxResult<D>> {
  const p = plan('letterboxAsync', image, options as LetterboxOptions);
  await settleNative(() => addon().letterboxAsync(p.src, p.params, p.out, false, false));
  return p.result as LetterboxResult<D>;
}

/** A batch of letterboxed images in one tensor. */
export interface LetterboxBatchResult<D extends LetterboxDtype = 'float32'> {
  /** The batch tensor, RGB, in `layout`: item i is `items[i].data`, a view into it. */
  data: LetterboxArray<D>;
  /** [batch, 3, height, width] for nchw, [batch, height, width, 3] for nhwc. */
  shape: [number, number, number, number];
  dtype: D;
  layout: LetterboxLayout;
  /** Each image's result (its `data` views its slice of the batch; `scale` and `pad` map its boxes back). */
  items: Array<LetterboxResult<D>>;
}

/**
 * Letterboxes several images into one batch tensor, each on its own libuv thread-pool thread (up to
 * `UV_THREADPOOL_SIZE` at once), for models with a batch dimension. Every image must letterbox to the same output
 * size (with `auto`, images of different aspect ratios may not). The sources are copied first and `out` written when
 * the work is done, so they may change meanwhile without harm.
 *
 * @example
 * ```ts
 * const batch = await letterboxBatchAsync(frames, { size: 640, dtype: 'float16' });
 * // batch.data: Uint16Array [4, 3, 640, 640]; batch.items[i].scale and .pad map image i's boxes back
 * ```
 */
export async function letterboxBatchAsync<D extends LetterboxDtype = 'float32'>(
  images: RawImage[],
  options?: LetterboxOptions<D>,
): Promise<LetterboxBatchResult<D>> {
  const fn = 'letterboxBatchAsync';
  if (!Array.isArray(images) || images.length === 0) check.fail(`${fn}: images`, 'a non-empty array of images', images);
  const o = check.options<LetterboxOptions>(`${fn}: options`, options);
  // The first image fixes the output size (and validates the options); every image then gets its slice.
  let size: [number, number, number] = [0, 0, 0];
  plan(fn, images[0], o, `${fn}: images[0]`, (elements, w, h) => {
    size = [elements, w, h];
    return new Uint8Array(0);
  });
  const [elements, outW, outH] = size;
  const dtype = o.dtype ?? 'float32';
  const kind = ARRAY_OF[dtype];
  let batch: Float32Array | Uint16Array | Uint8Array;
  if (o.out === undefined) batch = freshOutput(dtype, elements * images.length);
  else {
    if (!(o.out instanceof kind.ctor) || (dtype !== 'uint8' && o.out instanceof Uint8ClampedArray)) {
      check.fail(`${fn}: options.out`, `a ${kind.name} for dtype '${dtype}'`, o.out);
    }
    if (o.out.length < elements * images.length)
      check.fail(`${fn}: options.out`, `at least ${elements * images.length} elements for ${images.length} images`, o.out);
    batch = o.out.subarray(0, elements * images.length);
  }
  const plans = images.map((image, i) =>
    plan(fn, image, o, `${fn}: images[${i}]`, (_, w, h) => {
      if (w !== outW || h !== outH) {
        check.fail(
          `${fn}: images[${i}]`,
          `an image that letterboxes to ${outW}x${outH} like images[0] (it gives ${w}x${h}; use auto: false)`,
          `${image.width}x${image.height}`,
        );
      }
      return batch.subarray(i * elements, (i + 1) * elements);
    }),
  );
  const native = addon();
  // Sources are the caller's (copied first); an `out` of the caller's is written when each image is done.
  await Promise.all(plans.map((p) => settleNative(() => native.letterboxAsync(p.src, p.params, p.out, true, o.out !== undefined))));
  const [, a, b, c] = plans[0].result.shape;
  return {
    data: batch as LetterboxArray<D>,
    shape: [images.length, a, b, c],
    dtype: dtype as D,
    layout: plans[0].result.layout,
    items: plans.map((p) => p.result as LetterboxResult<D>),
  };
}
