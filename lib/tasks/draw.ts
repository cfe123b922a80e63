/**
 * Draws any task's result onto its image, in the manner of Ultralytics' `Results.plot()`: boxes with labels
 * (detect, segment, pose), filled semi-transparent masks with their outlines (segment), the COCO skeleton and
 * keypoints (pose), rotated boxes (obb), the top-5 classes (classify). Used by the CLI; available to scripts.
 */
import sharp, { type OverlayOptions, type Sharp } from 'sharp';

import { validateRawImage, type RawImage } from '../image/raw-image.js';
import * as check from '../util/validate.js';
import { PER_TASK } from '../defaults.js';
import { placeLabels, type Rect } from './labels.js';
import type { Boxes, TaskResult } from './types.js';

/** Ultralytics' default colour palette (utils/plotting.py Colors), by class id. */
export const PALETTE = [
  '#FF3838',
  '#FF9D97',
  '#FF701F',
  '#FFB21D',
  '#CFD231',
  '#48F90A',
  '#92CC17',
  '#3DDB86',
  '#1A9334',
  '#00D4BB',
  '#2C99A8',
  '#00C2FF',
  '#344593',
  '#6473FF',
  '#0018EC',
  '#8438FF',
  '#520085',
  '#CB38FF',
  '#FF95C8',
  '#FF37C7',
];

/** COCO keypoint skeleton (1-based keypoint ids) and Ultralytics' pose palette indices for limbs and keypoints. */
const SKELETON = [
  [16, 14],
  [14, 12],
  [17, 15],
  [15, 13],
  [12, 13],
  [6, 12],
  [7, 13],
  [6, 7],
  [6, 8],
  [7, 9],
  [8, 10],
  [9, 11],
  [2, 3],
  [1, 2],
  [1, 3],
  [2, 4],
  [3, 5],
  [4, 6],
  [5, 7],
];
const POSE_PALETTE = [
  '#FF8000',
  '#FF9933',
  '#FFB266',
  '#E6E600',
  '#FF99FF',
  '#99CCFF',
  '#FF66FF',
  '#FF33FF',
  '#66B2FF',
  '#3399FF',
  '#FF9999',
  '#FF6666',
  '#FF3333',
  '#99FF99',
  '#66FF66',
  '#33FF33',
  '#00FF00',
  '#0000FF',
  '#FF0000',
  '#FFFFFF',
];
const LIMB_COLOR = [9, 9, 9, 9, 7, 7, 7, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16];
const KPT_COLOR = [16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9];

const color = (cls: number) => PALETTE[((cls % PALETTE.length) + PALETTE.length) % PALETTE.length];
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

interface Style {
  line: number;
  font: number;
  width: number;
  height: number;
}

/** A filled label in the given rectangle. */
function labelAt(r: Rect, text: string, fill: string, s: Style): string {
  return (
    `<rect x="${r.x}" y="${r.y}" width="${r.w}" height="${r.h}" fill="${fill}"/>` +
    `<text x="${r.x + 3}" y="${r.y + s.font}" font-family="sans-serif" font-size="${s.font}" fill="#fff">${escapeXml(text)}</text>`
  );
}

const labelSize = (text: string, s: Style) => ({ w: Math.round(text.length * s.font * 0.6) + 6, h: s.font + 4 });

/**
 * Outlines (as SVG, one per item) with their labels placed so that no two overlap ({@link placeLabels}): items come
 * highest score first and are drawn lowest first, so the best is on top.
 */
function labelled(items: Array<{ box: [number, number, number, number]; outline: string; text: string; color: string }>, s: Style): string {
  const rects = placeLabels(
    items.map((it) => it.box),
    items.map((it) => labelSize(it.text, s)),
    s.width,
    s.height,
  );
  let svg = '';
  for (let i = items.length - 1; i >= 0; i--) svg += items[i].outline + labelAt(rects[i], items[i].text, items[i].color, s);
  return svg;
}

function boxesSvg(b: Boxes, names: string[], s: Style): string {
  return labelled(
    Array.from({ length: b.count }, (_, i) => {
      const [x1, y1, x2, y2] = Array.from(b.xyxy.subarray(i * 4, i * 4 + 4), Math.round) as [number, number, number, number];
      const c = color(b.cls[i]);
      return {
        box: [x1, y1, x2, y2] as [number, number, number, number],
        outline: `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${c}" stroke-width="${s.line}"/>`,
        text: `${names[b.cls[i]] ?? b.cls[i]} ${b.conf[i].toFixed(2)}`,
        color: c,
      };
    }),
    s,
  );
}

function overlaySvg(result: TaskResult, s: Style): string {
  switch (result.task) {
    case 'detect':
      return boxesSvg(result.boxes, result.names, s);
    case 'segment': {
      let svg = '';
      result.masks.xy.forEach((poly, i) => {
        if (poly.length < 6) return;
        const pts = Array.from({ length: poly.length / 2 }, (_, k) => `${poly[2 * k].toFixed(1)},${poly[2 * k + 1].toFixed(1)}`).join(' ');
        svg += `<polygon points="${pts}" fill="none" stroke="${color(result.boxes.cls[i])}" stroke-width="${Math.max(1, s.line - 1)}"/>`;
      });
      return svg + boxesSvg(result.boxes, result.names, s);
    }
    case 'pose': {
      const { keypoints: k } = result;
      const [nk, ndim] = k.shape;
      const radius = Math.max(2, s.line + 1);
      let svg = boxesSvg(result.boxes, result.names, s);
      for (let i = 0; i < k.count; i++) {
        const at = (j: number) => ({ x: k.data[(i * nk + j) * ndim], y: k.data[(i * nk + j) * ndim + 1], v: ndim === 3 ? k.data[(i * nk + j) * ndim + 2] : 1 });
        const visible = (p: { x: number; y: number; v: number }) => p.v >= PER_TASK.keypointDrawConf && p.x > 0 && p.y > 0;
        if (nk === 17) {
          SKELETON.forEach(([a, b], l) => {
            const p = at(a - 1);
            const q = at(b - 1);
            if (visible(p) && visible(q))
              svg += `<line x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${q.x.toFixed(1)}" y2="${q.y.toFixed(1)}" stroke="${POSE_PALETTE[LIMB_COLOR[l]]}" stroke-width="${s.line}"/>`;
          });
        }
        for (let j = 0; j < nk; j++) {
          const p = at(j);
          if (visible(p))
            svg += `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${radius}" fill="${nk === 17 ? POSE_PALETTE[KPT_COLOR[j]] : color(j)}"/>`;
        }
      }
      return svg;
    }
    case 'obb': {
      const { obb } = result;
      return labelled(
        Array.from({ length: obb.count }, (_, i) => {
          const c = color(obb.cls[i]);
          const p = Array.from(obb.xyxyxyxy.subarray(i * 8, i * 8 + 8));
          const xs = [p[0], p[2], p[4], p[6]];
          const ys = [p[1], p[3], p[5], p[7]];
          return {
            // The label sits by the axis-aligned extent of the corners.
            box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map(Math.round) as [number, number, number, number],
            outline: `<polygon points="${[0, 2, 4, 6].map((k) => `${p[k].toFixed(1)},${p[k + 1].toFixed(1)}`).join(' ')}" fill="none" stroke="${c}" stroke-width="${s.line}"/>`,
            text: `${result.names[obb.cls[i]] ?? obb.cls[i]} ${obb.conf[i].toFixed(2)}`,
            color: c,
          };
        }),
        s,
      );
    }
    case 'classify': {
      const { probs } = result;
      // Top-5, most probable first, in the top-left corner (as Results.plot draws probs).
      return probs.top5
        .map((c, i) => {
          const text = `${result.names[c] ?? c} ${probs.top5conf[i].toFixed(2)}`;
          return labelAt({ x: s.font, y: s.font + i * (s.font + 8), ...labelSize(text, s) }, text, '#000000B0', s);
        })
        .join('');
    }
  }
}

/** The masks of a segment result as one RGBA layer (lowest score first, so the best detection is on top). */
function maskLayer(result: TaskResult, width: number, height: number): Buffer | undefined {
  if (result.task !== 'segment' || result.masks.data.length === 0) return undefined;
  const layer = Buffer.alloc(width * height * 4);
  const alpha = Math.round(PER_TASK.maskAlpha * 255);
  for (let i = result.masks.data.length - 1; i >= 0; i--) {
    const m = result.masks.data[i];
    const [r, g, b] = rgb(color(result.boxes.cls[i]));
    for (let y = 0; y < m.height; y++) {
      const fy = m.y + y;
      if (fy >= height) break;
      for (let x = 0; x < m.width; x++) {
        const fx = m.x + x;
        if (fx >= width || !m.data[y * m.width + x]) continue;
        const o = (fy * width + fx) * 4;
        layer[o] = r;
        layer[o + 1] = g;
        layer[o + 2] = b;
        layer[o + 3] = alpha;
      }
    }
  }
  return layer;
}

/** The image as sharp sees it: files and encoded buffers with EXIF orientation applied (as trtjs loads them). */
async function base(image: string | Uint8Array | RawImage): Promise<{ img: Sharp; width: number; height: number; alpha: boolean }> {
  if (typeof image === 'string' || image instanceof Uint8Array) {
    const oriented = await sharp(image, { autoOrient: true }).toBuffer({ resolveWithObject: true });
    return { img: sharp(oriented.data), width: oriented.info.width, height: oriented.info.height, alpha: oriented.info.channels % 2 === 0 };
  }
  const raw = validateRawImage('drawResult: image', image);
  const packed = new Uint8Array(raw.width * raw.height * raw.channels);
  for (let y = 0; y < raw.height; y++) packed.set(raw.data.subarray(y * raw.stride, y * raw.stride + raw.width * raw.channels), y * raw.width * raw.channels);
  if (raw.order === 'bgr' || raw.order === 'bgra') {
    for (let i = 0; i < packed.length; i += raw.channels) [packed[i], packed[i + 2]] = [packed[i + 2], packed[i]];
  }
  return {
    img: sharp(packed, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }),
    width: raw.width,
    height: raw.height,
    alpha: raw.channels === 4,
  };
}

/**
 * Draws `result` onto `image` and writes it to `out` (the format follows the extension: .jpg, .png, .webp).
 *
 * @example
 * ```ts
 * await drawResult('bus.jpg', result, 'bus-annotated.jpg');
 * ```
 */
export async function drawResult(image: string | Uint8Array | RawImage, result: TaskResult, out: string): Promise<void> {
  if (typeof out !== 'string' || !out) check.fail('drawResult: out', 'an output file path', out);
  const r = check.object<TaskResult>('drawResult: result', result);
  const { img, width, height, alpha } = await base(image);
  if (r.sourceSize && (r.sourceSize[0] !== width || r.sourceSize[1] !== height)) {
    check.fail('drawResult: result.sourceSize', `[${width}, ${height}] (the image's size)`, r.sourceSize);
  }
  const s: Style = { line: Math.max(2, Math.round((width + height) / 600)), font: 0, width, height };
  s.font = Math.max(12, s.line * 6);
  const layers: OverlayOptions[] = [];
  const masks = maskLayer(r, width, height);
  if (masks) layers.push({ input: masks, raw: { width, height, channels: 4 }, top: 0, left: 0 });
  layers.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${overlaySvg(r, s)}</svg>`), top: 0, left: 0 });
  const drawn = img.composite(layers);
  // The overlays carry alpha; the copy keeps the channels of its image.
  await (alpha ? drawn : drawn.removeAlpha()).toFile(out);
}
