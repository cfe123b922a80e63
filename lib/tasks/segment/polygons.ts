/**
 * Ultralytics' `masks2segments(masks, strategy="all")` after the contours are found (native maskContours, as
 * cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE)): one contour is the polygon; several are joined by
 * `merge_multi_segment` (ultralytics/data/converter.py), reproduced step by step with NumPy's semantics (`np.roll`,
 * slices, the first minimum of `min_index`), including its quirk of reversing a middle segment without remapping the
 * indices that were found on it.
 */

type Points = Array<[number, number]>;

/** min_index: the first (row-major) pair of points with the smallest squared distance. */
function minIndex(a: Points, b: Points): [number, number] {
  let best = Infinity;
  let at: [number, number] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const dx = a[i][0] - b[j][0];
      const dy = a[i][1] - b[j][1];
      const d = dx * dx + dy * dy;
      if (d < best) {
        best = d;
        at = [i, j];
      }
    }
  }
  return at;
}

/** np.roll(a, -k, axis=0). */
function roll(a: Points, k: number): Points {
  const n = a.length;
  if (!n) return a;
  const s = ((k % n) + n) % n;
  return [...a.slice(s), ...a.slice(0, s)];
}

/** merge_multi_segment: several contours joined into one point list. */
export function mergeMultiSegment(contours: Points[]): Points {
  const segments = contours.map((c) => c.slice());
  const idxList: number[][] = segments.map(() => []);
  for (let i = 1; i < segments.length; i++) {
    const [i1, i2] = minIndex(segments[i - 1], segments[i]);
    idxList[i - 1].push(i1);
    idxList[i].push(i2);
  }
  const last = idxList.length - 1;
  const out: Points[] = [];
  idxList.forEach((original, i) => {
    let idx = original;
    if (idx.length === 2 && idx[0] > idx[1]) {
      idx = [idx[1], idx[0]];
      segments[i] = segments[i].slice().reverse();
    }
    segments[i] = roll(segments[i], idx[0]);
    segments[i] = [...segments[i], segments[i][0]];
    if (i === 0 || i === last) out.push(segments[i]);
    else out.push(segments[i].slice(0, idx[1] - idx[0] + 1));
  });
  for (let i = last; i >= 0; i--) {
    if (i === 0 || i === last) continue;
    const idx = idxList[i];
    out.push(segments[i].slice(Math.abs(idx[1] - idx[0])));
  }
  return out.flat();
}

/**
 * Polygons of masks from their contours (native maskContours output): per mask, float32 x, y pairs in the masks'
 * frame; an empty mask gives an empty polygon.
 */
export function contoursToPolygons(points: Int32Array, sizes: Int32Array, counts: Int32Array): Float32Array[] {
  const polygons: Float32Array[] = [];
  let contour = 0;
  let offset = 0;
  for (let m = 0; m < counts.length; m++) {
    const list: Points[] = [];
    for (let c = 0; c < counts[m]; c++, contour++) {
      const n = sizes[contour];
      const pts: Points = [];
      for (let k = 0; k < n; k++) pts.push([points[offset + 2 * k], points[offset + 2 * k + 1]]);
      offset += 2 * n;
      list.push(pts);
    }
    const merged = list.length === 0 ? [] : list.length === 1 ? list[0] : mergeMultiSegment(list);
    polygons.push(Float32Array.from(merged.flat()));
  }
  return polygons;
}
