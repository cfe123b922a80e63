import { readFile } from 'node:fs/promises';

import sharp from 'sharp';

import { SERVICE } from '../defaults.js';
import { BadInputError, TrtjsError, abortedError } from '../errors.js';
import * as check from '../util/validate.js';
import type { RawImage } from './raw-image.js';

export interface LoadImageOptions {
  signal?: AbortSignal;
  /**
   * Largest decoded size in pixels (default 8192 x 8192 = 67 MP). A file that declares more is refused with
   * ERR_BAD_INPUT before its pixels are allocated.
   */
  maxPixels?: number;
}

/**
 * Decodes an image file or encoded buffer (JPEG, PNG, WebP, TIFF, GIF's first frame, …) to 8-bit RGB the way
 * OpenCV's `cv2.imread(path)` does, so trtjs and Ultralytics see the same pixels: embedded ICC profiles are
 * ignored, the EXIF orientation is applied, alpha is dropped (not composited), gray is replicated to RGB.
 *
 * @example
 * ```ts
 * const image = await loadImage('bus.jpg'); // { data, width: 810, height: 1080, channels: 3, order: 'rgb' }
 * ```
 */
export async function loadImage(source: string | Uint8Array, options?: LoadImageOptions): Promise<RawImage & { channels: 3 }> {
  const o = check.options<LoadImageOptions>('loadImage: options', options);
  const signal = check.optionalSignal('loadImage: options.signal', o.signal);
  const maxPixels = check.optional(o.maxPixels, SERVICE.maxPixels, (v) => check.integer('loadImage: options.maxPixels', v, 1, Number.MAX_SAFE_INTEGER));
  const what = typeof source === 'string' ? source : `the ${source instanceof Uint8Array ? source.length : 0}-byte image buffer`;
  if (signal?.aborted) throw abortedError(`loadImage(${what})`, signal);
  let input: Uint8Array;
  if (typeof source === 'string') {
    try {
      input = await readFile(source, { signal });
    } catch (err) {
      if (signal?.aborted) throw abortedError(`loadImage(${what})`, signal);
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new BadInputError(`loadImage: cannot read ${source}: ${why}`, { cause: err });
    }
  } else if (source instanceof Uint8Array) {
    input = source;
  } else {
    check.fail('loadImage: source', 'a file path or a Buffer/Uint8Array of an encoded image', source);
  }
  if (input.length === 0) throw new BadInputError(`loadImage: ${what} is empty (0 bytes)`);
  const options_ = { ignoreIcc: true, autoOrient: true, failOn: 'error', limitInputPixels: maxPixels } as const;
  try {
    // The header first: a huge declared size is refused before any pixel is allocated.
    const { width = 0, height = 0 } = await sharp(input, { ...options_, limitInputPixels: false }).metadata();
    if (width * height > maxPixels) {
      throw new BadInputError(
        `loadImage: ${what} is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), above the ${(maxPixels / 1e6).toFixed(1)} MP limit (options.maxPixels)`,
      );
    }
    const { data, info } = await sharp(input, options_).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (signal?.aborted) throw abortedError(`loadImage(${what})`, signal);
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height, channels: 3, order: 'rgb' };
  } catch (err) {
    if (err instanceof TrtjsError) throw err;
    if (signal?.aborted) throw abortedError(`loadImage(${what})`, signal);
    throw new BadInputError(`loadImage: cannot decode ${what}: ${(err as Error).message}`, { cause: err });
  }
}
