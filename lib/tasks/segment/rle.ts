/**
 * Masks as COCO run-length encodings: the uncompressed form pycocotools reads (`{ size: [h, w], counts }`, runs over
 * the image in column-major order, starting with a run of zeros), e.g. `mask_utils.frPyObjects(rle, h, w)`.
 */
import * as check from '../../util/validate.js';
import type { InstanceMask } from '../types.js';

export interface Rle {
  /** [height, width] of the image. */
  size: [number, number];
  /** Alternating run lengths of 0s and 1s, column by column, the first a run of 0s (possibly empty). */
  counts: number[];
}

/**
 * The RLE of one instance mask in an image of `imageSize` ([width, height]).
 *
 * @example
 * ```ts
 * maskToRle({ x: 1, y: 0, width: 1, height: 2, data: Uint8Array.of(1, 1) }, [3, 2]); // { size: [2, 3], counts: [2, 2, 2] }
 * ```
 */
export function maskToRle(mask: InstanceMask, imageSize: [number, number]): Rle {
  const m = check.object<InstanceMask>('maskToRle: mask', mask);
  const [W, H] = imageSize;
  if (m.x < 0 || m.y < 0 || m.x + m.width > W || m.y + m.height > H || m.data.length < m.width * m.height) {
    check.fail('maskToRle: mask', `a window inside the ${W}x${H} image with width * height bytes`, mask);
  }
  const counts: number[] = [];
  let value = 0;
  let start = 0;
  // Outside its window a mask is 0: only the window's columns can hold runs of 1s.
  for (let x = m.x; x < m.x + m.width; x++) {
    for (let y = 0; y < H; y++) {
      const v = y >= m.y && y < m.y + m.height ? (m.data[(y - m.y) * m.width + (x - m.x)] ? 1 : 0) : 0;
      if (v !== value) {
        const p = x * H + y;
        counts.push(p - start);
        start = p;
        value = v;
      }
    }
  }
  // The last run: 1s to the end of the window (the columns after it are 0s), then any 0s to the end of the image.
  const end = value === 1 ? (m.x + m.width) * H : W * H;
  counts.push(end - start);
  if (end < W * H) counts.push(W * H - end);
  return { size: [H, W], counts };
}
