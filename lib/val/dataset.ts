import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { BadInputError } from '../errors.js';

export interface LabeledImage {
  image: string;
  /** YOLO labels: class ids and normalized cx, cy, w, h. Empty for background images. */
  classes: Int32Array;
  boxesNormalized: Float32Array;
}

export interface YoloDataset {
  names: string[];
  images: LabeledImage[];
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);

/** Ultralytics' img2label_paths: the last /images/ becomes /labels/, the extension .txt. */
export function labelPathFor(image: string): string {
  const i = image.lastIndexOf(`${sep}images${sep}`);
  const swapped = i < 0 ? image : `${image.slice(0, i)}${sep}labels${sep}${image.slice(i + 8)}`;
  return swapped.slice(0, swapped.length - extname(swapped).length) + '.txt';
}

function readLabels(path: string): { classes: Int32Array; boxes: Float32Array } {
  if (!existsSync(path)) return { classes: new Int32Array(0), boxes: new Float32Array(0) };
  const classes: number[] = [];
  const boxes: number[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, n) => {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (!parts.length) return;
    const nums = parts.map(Number);
    if (parts.length !== 5 || nums.some((v) => !Number.isFinite(v)) || !Number.isInteger(nums[0]) || nums[0] < 0) {
      throw new BadInputError(`${path}:${n + 1}: expected 'class cx cy w h', got '${line.trim()}'`);
    }
    classes.push(nums[0]);
    boxes.push(nums[1], nums[2], nums[3], nums[4]);
  });
  return { classes: Int32Array.from(classes), boxes: Float32Array.from(boxes) };
}

/**
 * Reads a YOLO dataset description (Ultralytics' YAML: `path`, `train`, `val`, `names`) and the labels of a split.
 * A relative `path` resolves against `root` (default: the YAML's folder).
 *
 * @example
 * ```ts
 * const ds = readYoloDataset('coco128/coco128.yaml', { root: 'coco128' });
 * ds.images.length; // 128
 * ```
 */
export function readYoloDataset(yamlPath: string, options: { root?: string; split?: 'train' | 'val' | 'test' } = {}): YoloDataset {
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(readFileSync(yamlPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new BadInputError(`${yamlPath}: not a readable dataset YAML (${(err as Error).message})`, { cause: err });
  }
  if (!doc || typeof doc !== 'object') throw new BadInputError(`${yamlPath}: expected a mapping with path, val and names`);
  const split = options.split ?? 'val';
  const rawNames = doc.names;
  let names: string[];
  if (Array.isArray(rawNames)) names = rawNames.map(String);
  else if (rawNames && typeof rawNames === 'object') {
    names = [];
    for (const [k, v] of Object.entries(rawNames)) names[Number(k)] = String(v);
  } else throw new BadInputError(`${yamlPath}: 'names' must be a list or a mapping of class names`);
  const declared = typeof doc.path === 'string' ? doc.path : '.';
  const base = options.root ?? resolve(dirname(yamlPath), declared);
  const entries = ([] as unknown[]).concat(doc[split] ?? []);
  if (!entries.length) throw new BadInputError(`${yamlPath}: no '${split}' split`);
  const images: string[] = [];
  for (const e of entries) {
    if (typeof e !== 'string') throw new BadInputError(`${yamlPath}: '${split}' entries must be paths`);
    const p = isAbsolute(e) ? e : join(base, e);
    if (!existsSync(p)) throw new BadInputError(`${yamlPath}: ${split} path ${p} does not exist (set root to the dataset folder)`);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) images.push(join(p, f));
    } else {
      // A .txt list of image paths, relative to the dataset root.
      for (const line of readFileSync(p, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)) images.push(isAbsolute(line) ? line : join(base, line));
    }
  }
  return {
    names,
    images: images.map((image) => {
      const { classes, boxes } = readLabels(labelPathFor(image));
      return { image, classes, boxesNormalized: boxes };
    }),
  };
}

/** Normalized cx, cy, w, h → pixel x1, y1, x2, y2. */
export function toPixelBoxes(boxes: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const [cx, cy, w, h] = [boxes[i] * width, boxes[i + 1] * height, boxes[i + 2] * width, boxes[i + 3] * height];
    out.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], i);
  }
  return out;
}
