/**
 * Classification accuracy as Ultralytics' `ClassificationValidator` computes it: top-1 and top-5 accuracy (the label
 * among the min(nc, 5) most probable classes), over an ImageNet-style folder: `<root>/<split>/<class name>/<image>`,
 * classes in sorted folder-name order (torchvision's ImageFolder, which Ultralytics' ClassificationDataset wraps).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { BadInputError } from '../errors.js';
import * as check from '../util/validate.js';

const IMG_FORMATS = new Set(['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm', 'heic']);

export interface ClassifyDataset {
  /** Class names: the split's folder names, sorted. */
  names: string[];
  /** Images with their class id, by class then path (sorted). */
  images: Array<{ image: string; classId: number }>;
  root: string;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort(byCodeUnit)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else if (IMG_FORMATS.has(name.slice(name.lastIndexOf('.') + 1).toLowerCase())) out.push(p);
  }
  return out;
}

/**
 * Reads a classification dataset folder: `split` ('val' by default, then 'test' if there is no 'val', as Ultralytics
 * falls back) holding one folder per class.
 *
 * @example
 * ```ts
 * const ds = readClassifyDataset('imagenet10'); // imagenet10/val/<class>/*.jpg
 * ```
 */
export function readClassifyDataset(root: string, split?: string): ClassifyDataset {
  if (typeof root !== 'string' || !root) check.fail('readClassifyDataset: root', 'a dataset folder', root);
  const base = resolve(root);
  if (!existsSync(base) || !statSync(base).isDirectory())
    throw new BadInputError(`${root}: a classification dataset is a folder of split folders (train/, val/) holding one folder per class`);
  let dir = join(base, split ?? 'val');
  if (split === undefined && !existsSync(dir)) dir = join(base, 'test');
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BadInputError(`${root}: no '${split ?? 'val'}' split folder (found ${readdirSync(base).join(', ') || 'nothing'})`);
  const names = readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory())
    .sort(byCodeUnit);
  if (!names.length) throw new BadInputError(`${dir}: no class folders`);
  const images = names.flatMap((n, classId) => walk(join(dir, n)).map((image) => ({ image, classId })));
  if (!images.length) throw new BadInputError(`${dir}: no images in the class folders`);
  return { names, images, root: base };
}

export interface ClassifyMetricsResult {
  /** Fraction of images whose most probable class is the label. */
  top1: number;
  /** Fraction of images whose label is among the min(nc, 5) most probable classes. */
  top5: number;
  images: number;
}

/** Accumulates top-1 / top-5 hits. */
export class ClassifyMetrics {
  #top1 = 0;
  #top5 = 0;
  #images = 0;

  /** Adds one image: its classes by decreasing probability (at least the first five) and its label. */
  add(ranked: readonly number[], label: number): void {
    if (!Array.isArray(ranked) || !ranked.length) check.fail('ClassifyMetrics.add: ranked', 'class ids by decreasing probability', ranked);
    check.integer('ClassifyMetrics.add: label', label, 0);
    this.#images++;
    if (ranked[0] === label) this.#top1++;
    if (ranked.slice(0, 5).includes(label)) this.#top5++;
  }

  result(): ClassifyMetricsResult {
    const n = this.#images;
    return { top1: n ? this.#top1 / n : 0, top5: n ? this.#top5 / n : 0, images: n };
  }
}
