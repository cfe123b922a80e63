import sharp from 'sharp';

import type { Detection } from '../detector/detection.js';
import { BadInputError } from '../errors.js';
import { placeLabels } from '../tasks/labels.js';

const PALETTE = [
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

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export { placeLabels, type Rect } from '../tasks/labels.js';

/** Draws boxes and labels onto the image (as decoded, EXIF orientation applied) and writes it to `out`. */
export async function saveAnnotated(input: string | Uint8Array, detections: Detection[], out: string): Promise<void> {
  const base = sharp(input, { autoOrient: true });
  const { width = 0, height = 0 } = await sharp(await base.clone().toBuffer()).metadata();
  const line = Math.max(2, Math.round((width + height) / 600));
  const font = Math.max(12, line * 6);
  const labels = detections.map((d) => `${escapeXml(d.className)} ${d.score.toFixed(2)}`);
  const rects = placeLabels(
    detections.map((d) => d.box.map((v) => Math.round(v)) as [number, number, number, number]),
    detections.map((d) => ({ w: Math.round(`${d.className} ${d.score.toFixed(2)}`.length * font * 0.6) + 6, h: font + 4 })),
    width,
    height,
  );
  const shapes = detections.map((d, i) => {
    const color = PALETTE[d.classId % PALETTE.length];
    const [x1, y1, x2, y2] = d.box.map((v) => Math.round(v));
    const r = rects[i];
    return (
      `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${color}" stroke-width="${line}"/>` +
      `<rect x="${r.x}" y="${r.y}" width="${r.w}" height="${r.h}" fill="${color}"/>` +
      `<text x="${r.x + 3}" y="${r.y + font}" font-family="sans-serif" font-size="${font}" fill="#fff">${labels[i]}</text>`
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
  try {
    await base.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).toFile(out);
  } catch (err) {
    throw new BadInputError(`cannot write ${out}: ${(err as Error).message}`, { cause: err });
  }
}
