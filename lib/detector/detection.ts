import type { Boxes } from '../tasks/types.js';

/** One detected object, in source-image pixels. */
export interface Detection {
  /** [x1, y1, x2, y2] */
  box: [number, number, number, number];
  score: number;
  classId: number;
  /** From the model metadata; `String(classId)` when the model has no names. */
  className: string;
}

/** The boxes of a result (detect, segment, pose) as Detection objects, highest score first. */
export function toDetections({ boxes, names }: { boxes: Boxes; names: readonly string[] }): Detection[] {
  const list: Detection[] = [];
  const b = boxes.xyxy;
  for (let k = 0; k < boxes.count; k++) {
    const classId = boxes.cls[k];
    list.push({ box: [b[k * 4], b[k * 4 + 1], b[k * 4 + 2], b[k * 4 + 3]], score: boxes.conf[k], classId, className: names[classId] ?? String(classId) });
  }
  return list;
}
