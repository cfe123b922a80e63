/** Where labels go on a drawn image. */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Where each box's label goes, so that no two labels overlap (a score hidden under another label cannot be read):
 * above the box if free, else inside its top edge, below it, inside its bottom edge, then further up or down in
 * label-height steps. Boxes are placed in the order given (highest score first), inside the image.
 */
export function placeLabels(boxes: Array<[number, number, number, number]>, sizes: Array<{ w: number; h: number }>, width: number, height: number): Rect[] {
  const placed: Rect[] = [];
  boxes.forEach(([x1, y1, _x2, y2], i) => {
    const { w, h } = sizes[i];
    const inside = (x: number, y: number): Rect => ({ x: Math.max(0, Math.min(x, width - w)), y: Math.max(0, Math.min(y, height - h)), w, h });
    const candidates = [inside(x1, y1 - h), inside(x1, y1), inside(x1, y2), inside(x1, y2 - h)];
    for (let k = 1; k < 2 * Math.ceil(height / h); k++) candidates.push(inside(x1, y1 - h - k * h), inside(x1, y2 + k * h));
    placed.push(candidates.find((c) => !placed.some((p) => overlaps(c, p))) ?? candidates[0]);
  });
  return placed;
}
