/** How `trtjs predict` prints each task's result: a table for people, a compact JSON object for scripts. */
import { PER_TASK } from '../defaults.js';
import { maskToRle } from '../tasks/segment/rle.js';
import type { TaskResult } from '../tasks/types.js';

const r1 = (v: number) => Number(v.toFixed(1));
const r4 = (v: number) => Number(v.toFixed(4));
const name = (r: TaskResult, c: number) => r.names[c] ?? String(c);

/**
 * One image's result as plain JSON, pixels of the source image rounded to 0.1, scores to 4 digits. Per task:
 * `detections` with `box` (detect; also segment and pose), plus `polygon` (masks.xy, flat x, y pairs) and `mask`
 * (COCO RLE, `{ size: [h, w], counts }`, column-major) for segment, `keypoints` ([x, y, visibility] per keypoint)
 * for pose; `xywhr` (angle in radians) and `corners` (x1, y1, ..., x4, y4) for obb; `top5` for classify.
 */
export function resultJson(r: TaskResult): Record<string, unknown> {
  const base = { task: r.task, size: r.sourceSize };
  if (r.task === 'classify') {
    return { ...base, top5: r.probs.top5.map((c, i) => ({ classId: c, className: name(r, c), score: r4(r.probs.top5conf[i]) })) };
  }
  if (r.task === 'obb') {
    const o = r.obb;
    const detections = Array.from({ length: o.count }, (_, i) => ({
      classId: o.cls[i],
      className: name(r, o.cls[i]),
      score: r4(o.conf[i]),
      xywhr: [...Array.from(o.xywhr.subarray(i * 5, i * 5 + 4), r1), r4(o.xywhr[i * 5 + 4])],
      corners: Array.from(o.xyxyxyxy.subarray(i * 8, i * 8 + 8), r1),
    }));
    return { ...base, detections };
  }
  const b = r.boxes;
  const detections = Array.from({ length: b.count }, (_, i) => {
    const d: Record<string, unknown> = {
      classId: b.cls[i],
      className: name(r, b.cls[i]),
      score: r4(b.conf[i]),
      box: Array.from(b.xyxy.subarray(i * 4, i * 4 + 4), r1),
    };
    if (r.task === 'segment') {
      d.polygon = Array.from(r.masks.xy[i], r1);
      d.mask = maskToRle(r.masks.data[i], r.masks.imageSize);
    } else if (r.task === 'pose') {
      const [nk, ndim] = r.keypoints.shape;
      const k = r.keypoints.data;
      d.keypoints = Array.from({ length: nk }, (_, j) =>
        Array.from(k.subarray((i * nk + j) * ndim, (i * nk + j + 1) * ndim), (v, c) => (c < 2 ? r1(v) : r4(v))),
      );
    }
    return d;
  });
  return { ...base, detections };
}

/** One image's result as lines of a table. */
export function resultText(image: string, r: TaskResult, ms: number): string {
  const time = `(${ms.toFixed(1)} ms)`;
  const box = (v: ArrayLike<number>) => `[${Array.from(v, (x) => x.toFixed(0).padStart(5)).join(' ')}]`;
  const lines: string[] = [];
  if (r.task === 'classify') {
    lines.push(`${image}: ${name(r, r.probs.top1)} ${r.probs.top1conf.toFixed(2)} ${time}`);
    r.probs.top5.forEach((c, i) => {
      lines.push(`  ${name(r, c).padEnd(20)} ${r.probs.top5conf[i].toFixed(2)}`);
    });
  } else if (r.task === 'obb') {
    const o = r.obb;
    lines.push(`${image}: ${o.count} rotated boxes ${time}`);
    for (let i = 0; i < o.count; i++) {
      const angle = ((o.xywhr[i * 5 + 4] * 180) / Math.PI).toFixed(1);
      lines.push(
        `  ${name(r, o.cls[i]).padEnd(14)} ${o.conf[i].toFixed(2)}  cx, cy, w, h ${box(o.xywhr.subarray(i * 5, i * 5 + 4))}  ${angle.padStart(5)} deg`,
      );
    }
  } else {
    const b = r.boxes;
    const what = r.task === 'segment' ? 'instances' : r.task === 'pose' ? 'poses' : 'detections';
    lines.push(`${image}: ${b.count} ${what} ${time}`);
    for (let i = 0; i < b.count; i++) {
      let extra = '';
      if (r.task === 'segment') {
        const m = r.masks.data[i];
        let area = 0;
        for (const v of m.data) area += v;
        extra = `  mask ${area} px`;
      } else if (r.task === 'pose') {
        const [nk, ndim] = r.keypoints.shape;
        let visible = nk;
        if (ndim === 3) {
          visible = 0;
          for (let j = 0; j < nk; j++) if (r.keypoints.data[(i * nk + j) * 3 + 2] >= PER_TASK.keypointDrawConf) visible++;
        }
        extra = `  ${visible}/${nk} keypoints`;
      }
      lines.push(`  ${name(r, b.cls[i]).padEnd(14)} ${b.conf[i].toFixed(2)}  ${box(b.xyxy.subarray(i * 4, i * 4 + 4))}${extra}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
