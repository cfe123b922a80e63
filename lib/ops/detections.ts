/** Detections of one image: parallel arrays, `count` entries each, highest score first. */
export interface Detections {
  count: number;
  /** x1, y1, x2, y2 per detection. */
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}
