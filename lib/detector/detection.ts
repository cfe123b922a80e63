/** One detected object, in source-image pixels. */
export interface Detection {
  /** [x1, y1, x2, y2] */
  box: [number, number, number, number];
  score: number;
  classId: number;
  /** From the model metadata; `String(classId)` when the model has no names. */
  className: string;
}
