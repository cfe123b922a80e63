import { readFile } from 'node:fs/promises';

import sharp from 'sharp';

import { BadInputError, TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';
import type { RawImage } from './raw-image.js';

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
export async function loadImage(source: string | Uint8Array, options?: { signal?: AbortSignal }): Promise<RawImage & { channels: 3 }> {
  const o = check.options<{ signal: AbortSignal }>('loadImage: options', options);
  let input: Uint8Array;
  if (typeof source === 'string') {
    try {
      input = await readFile(source, { signal: o.signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw new TrtjsError('ERR_ABORTED', `loadImage: aborted reading ${source}`, { cause: err });
      throw new BadInputError(`loadImage: cannot read ${source}: ${(err as Error).message}`, { cause: err });
    }
  } else if (source instanceof Uint8Array) {
    input = source;
  } else {
    check.fail('loadImage: source', 'a file path or a Buffer/Uint8Array of an encoded image', source);
  }
  if (input.length === 0) throw new BadInputError('loadImage: the image is empty (0 bytes)');
  try {
    const { data, info } = await sharp(input, { ignoreIcc: true, autoOrient: true, failOn: 'error' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    o.signal?.throwIfAborted();
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height, channels: 3, order: 'rgb' };
  } catch (err) {
    if (o.signal?.aborted) throw new TrtjsError('ERR_ABORTED', 'loadImage: aborted', { cause: err });
    const what = typeof source === 'string' ? source : `${input.length}-byte buffer`;
    throw new BadInputError(`loadImage: cannot decode ${what}: ${(err as Error).message}`, { cause: err });
  }
}
