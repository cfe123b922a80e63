/**
 * Plain-JavaScript references for YOLO decoding and NMS, written straight from Ultralytics'
 * `non_max_suppression` and torchvision's `nms` without regard for speed. The tests compare trtjs' native code
 * with them; bench/ uses them as "what a Node user would write instead".
 */
const f32 = Math.fround;
const MAX_WH = 7680;

/** torchvision.ops.nms, in float32 like its CPU kernel; equal scores keep index order. */
export function referenceNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iou: number, classes?: ArrayLike<number>): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const area = (i: number) => f32(f32(boxes[i * 4 + 2] - boxes[i * 4]) * f32(boxes[i * 4 + 3] - boxes[i * 4 + 1]));
  const kept: number[] = [];
  for (const i of order) {
    let suppressed = false;
    for (const k of kept) {
      if (classes && classes[k] !== classes[i]) continue;
      const w = Math.max(0, f32(Math.min(boxes[i * 4 + 2], boxes[k * 4 + 2]) - Math.max(boxes[i * 4], boxes[k * 4])));
      const h = Math.max(0, f32(Math.min(boxes[i * 4 + 3], boxes[k * 4 + 3]) - Math.max(boxes[i * 4 + 1], boxes[k * 4 + 1])));
      const inter = f32(w * h);
      const ovr = f32(inter / f32(f32(area(i) + area(k)) - inter));
      if (ovr > iou) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}

export interface ReferenceOptions {
  format: 'yolov5' | 'yolov8' | 'end2end';
  channelsFirst: boolean;
  nc: number;
  conf?: number;
  iou?: number;
  maxDet?: number;
  agnostic?: boolean;
}

export interface ReferenceDetection {
  box: [number, number, number, number];
  score: number;
  cls: number;
}

/** Ultralytics non_max_suppression for one image (single label, no class filter). */
export function referenceDecode(data: ArrayLike<number>, rows: number, cols: number, o: ReferenceOptions): ReferenceDetection[] {
  const conf = o.conf ?? 0.25;
  const iou = o.iou ?? 0.7;
  const maxDet = o.maxDet ?? 300;
  if (o.format === 'end2end') {
    const out: ReferenceDetection[] = [];
    for (let r = 0; r < rows && out.length < maxDet; r++) {
      const v = (c: number) => data[r * cols + c];
      if (v(4) > conf) out.push({ box: [v(0), v(1), v(2), v(3)], score: v(4), cls: Math.round(v(5)) });
    }
    return out;
  }
  const anchors = o.format === 'yolov8' && o.channelsFirst ? cols : rows;
  const at = (a: number, c: number) => (o.format === 'yolov8' && o.channelsFirst ? data[c * cols + a] : data[a * cols + c]);
  const first = o.format === 'yolov5' ? 5 : 4;
  const cands: ReferenceDetection[] = [];
  for (let a = 0; a < anchors; a++) {
    const obj = o.format === 'yolov5' ? at(a, 4) : 1;
    if (o.format === 'yolov5' && !(obj > conf)) continue;
    let best = -Infinity;
    let cls = 0;
    for (let c = 0; c < o.nc; c++) {
      const s = o.format === 'yolov5' ? f32(at(a, first + c) * obj) : at(a, first + c);
      if (s > best) {
        best = s;
        cls = c;
      }
    }
    if (!(best > conf)) continue;
    const cx = at(a, 0),
      cy = at(a, 1),
      w2 = f32(at(a, 2) / 2),
      h2 = f32(at(a, 3) / 2);
    cands.push({ box: [f32(cx - w2), f32(cy - h2), f32(cx + w2), f32(cy + h2)], score: best, cls });
  }
  const offset = (d: ReferenceDetection) => (o.agnostic ? 0 : d.cls * MAX_WH);
  const shifted = new Float32Array(cands.length * 4);
  cands.forEach((d, i) => {
    d.box.forEach((v, j) => {
      shifted[i * 4 + j] = f32(v + offset(d));
    });
  });
  const keep = referenceNms(
    shifted,
    cands.map((d) => d.score),
    iou,
  );
  return keep.slice(0, maxDet).map((i) => cands[i]);
}
