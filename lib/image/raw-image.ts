import * as check from '../util/validate.js';

/** Channel order of raw pixels. */
export type PixelOrder = 'rgb' | 'bgr' | 'rgba' | 'bgra' | 'gray';

/**
 * Raw 8-bit interleaved pixels, as `sharp(...).raw()` or a camera driver gives them.
 *
 * @example
 * ```ts
 * const { data, info } = await sharp('bus.jpg').raw().toBuffer({ resolveWithObject: true });
 * const image: RawImage = { data, width: info.width, height: info.height, channels: 3, order: 'rgb' };
 * ```
 */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  order: PixelOrder;
  /** Bytes from one row to the next; default `width * channels`. */
  stride?: number;
}

const CHANNELS: Record<PixelOrder, number> = { gray: 1, rgb: 3, bgr: 3, rgba: 4, bgra: 4 };
export const PIXEL_ORDERS = Object.keys(CHANNELS) as PixelOrder[];

/** Checks every field, including that the buffer holds height rows of `stride` bytes. */
export function validateRawImage(name: string, value: unknown): Required<RawImage> {
  const img = check.object<RawImage>(name, value);
  if (!(img.data instanceof Uint8Array)) check.fail(`${name}.data`, 'a Uint8Array (or Buffer)', img.data);
  const width = check.integer(`${name}.width`, img.width, 1, 1 << 16);
  const height = check.integer(`${name}.height`, img.height, 1, 1 << 16);
  const order = check.oneOf(`${name}.order`, img.order, PIXEL_ORDERS);
  const channels = check.integer(`${name}.channels`, img.channels, 1, 4);
  if (channels !== CHANNELS[order]) check.fail(`${name}.channels`, `${CHANNELS[order]} for order '${order}'`, channels);
  const stride = check.optional(img.stride, width * channels, (v) => check.integer(`${name}.stride`, v, width * channels));
  const needed = (height - 1) * stride + width * channels;
  if (img.data.length < needed) {
    check.fail(`${name}.data`, `at least ${needed} bytes for ${width}x${height}x${channels} with stride ${stride}`, img.data);
  }
  return { data: img.data, width, height, channels: channels as 1 | 3 | 4, order, stride };
}
