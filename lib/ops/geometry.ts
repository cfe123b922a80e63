/**
 * Letterbox geometry exactly as Ultralytics' `LetterBox` computes it (ultralytics/data/augment.py), including
 * Python's round-half-to-even in `int(round(...))` and the ±0.1 split of odd padding.
 */

/** Python 3 `round(x)` on a double: halves go to the even neighbour. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f; // exact for |x| < 2^52
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface LetterboxGeometryOptions {
  /** Target [height, width]. */
  size: [number, number];
  auto: boolean;
  scaleFill: boolean;
  scaleUp: boolean;
  center: boolean;
  stride: number;
}

export interface LetterboxGeometry {
  /** Size of the resized image inside the canvas, [width, height]. */
  resized: [number, number];
  /** Output canvas size, [width, height]. */
  output: [number, number];
  /** Padding in pixels. */
  pad: { left: number; top: number; right: number; bottom: number };
  /** Resize ratio per axis, [x, y] (equal unless scaleFill). */
  ratio: [number, number];
}

export function letterboxGeometry(sourceWidth: number, sourceHeight: number, o: LetterboxGeometryOptions): LetterboxGeometry {
  const [newH, newW] = o.size;
  let r = Math.min(newH / sourceHeight, newW / sourceWidth);
  if (!o.scaleUp) r = Math.min(r, 1.0);
  let ratio: [number, number] = [r, r];
  // An extreme aspect ratio (1 x 65535) rounds one side to 0, where OpenCV's resize fails: keep one pixel instead.
  let unpadW = Math.max(1, pyRound(sourceWidth * r));
  let unpadH = Math.max(1, pyRound(sourceHeight * r));
  let dw = newW - unpadW;
  let dh = newH - unpadH;
  if (o.auto) {
    // np.mod: the result takes the sign of the divisor
    dw = ((dw % o.stride) + o.stride) % o.stride;
    dh = ((dh % o.stride) + o.stride) % o.stride;
  } else if (o.scaleFill) {
    dw = 0;
    dh = 0;
    unpadW = newW;
    unpadH = newH;
    ratio = [newW / sourceWidth, newH / sourceHeight];
  }
  if (o.center) {
    dw /= 2;
    dh /= 2;
  }
  const top = o.center ? pyRound(dh - 0.1) : 0;
  const bottom = pyRound(dh + 0.1);
  const left = o.center ? pyRound(dw - 0.1) : 0;
  const right = pyRound(dw + 0.1);
  return {
    resized: [unpadW, unpadH],
    output: [unpadW + left + right, unpadH + top + bottom],
    pad: { left, top, right, bottom },
    ratio,
  };
}
