/**
 * YOLO detection datasets as Ultralytics reads them: the dataset YAML (`check_det_dataset`), the image list of a
 * split (`BaseDataset.get_img_files`), label paths (`img2label_paths`) and label files (`verify_image_label`).
 * Where Ultralytics would skip a corrupt label file with a warning, this throws a BadInputError naming the file and
 * line: an accuracy figure computed on silently fewer images is worse than no figure.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

import { parse as parseYaml, YAMLError } from 'yaml';

import { BadInputError } from '../errors.js';
import * as check from '../util/validate.js';

/** The labels of one image, as in its YOLO label file. */
export interface YoloLabels {
  /** Class id per box. */
  classes: Int32Array;
  /** cx, cy, w, h per box, normalized to the image size (0..1). */
  boxesNormalized: Float32Array;
  /** Segment and obb datasets: per instance its polygon's x, y pairs, normalized, as written (not clipped). */
  segments?: Float32Array[];
  /** Pose datasets: per instance nk x 3 values (x, y normalized; visibility, derived as Ultralytics does for ndim 2). */
  keypoints?: Float32Array;
}

/** What a label file holds beyond boxes, by the task of its dataset. */
export interface LabelFormat {
  /** 'detect' (default): boxes, polygons become their boxes; 'segment' / 'obb': polygons kept; 'pose': keypoints. */
  task?: 'detect' | 'segment' | 'pose' | 'obb';
  /** Pose: the dataset's `kpt_shape` [keypoints, 2 or 3]. */
  kptShape?: [number, number];
}

export interface LabeledImage {
  /** Absolute path of the image. */
  image: string;
  /** Its labels; none for a background image (no label file, or an empty one). */
  labels: YoloLabels;
}

export interface YoloDataset {
  /** Class names by id. */
  names: string[];
  /** The split's images, sorted by path as Ultralytics sorts them. */
  images: LabeledImage[];
  /** The dataset root the split paths were resolved against. */
  root: string;
  /** Pose datasets: the YAML's `kpt_shape`. */
  kptShape?: [number, number];
}

export interface ReadYoloDatasetOptions {
  /** Dataset root, instead of the YAML's `path` (which resolves against the YAML's folder when relative). */
  root?: string;
  /** Which split to read: a key of the YAML such as 'val' (default), 'train' or 'test'. */
  split?: string;
  /**
   * The dataset's task: 'detect' (default) reads boxes (polygons become boxes), 'segment' and 'obb' keep the polygons,
   * 'pose' reads keypoints with the YAML's `kpt_shape`.
   */
  task?: 'detect' | 'segment' | 'pose' | 'obb';
}

/** Ultralytics' IMG_FORMATS: the extensions that make a file an image of the dataset. */
const IMG_FORMATS = new Set(['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm', 'heic']);

/**
 * Ultralytics' `img2label_paths`: the last `/images/` in the path becomes `/labels/`, and what follows the last dot
 * becomes `txt`.
 *
 * @example
 * ```ts
 * labelPathFor('/data/coco128/images/train2017/000000000009.jpg'); // '/data/coco128/labels/train2017/000000000009.txt'
 * ```
 */
export function labelPathFor(image: string): string {
  const imagesDir = `${sep}images${sep}`;
  const at = image.lastIndexOf(imagesDir);
  const swapped = at < 0 ? image : `${image.slice(0, at)}${sep}labels${sep}${image.slice(at + imagesDir.length)}`;
  const dot = swapped.lastIndexOf('.');
  return `${dot < 0 ? swapped : swapped.slice(0, dot)}.txt`;
}

/**
 * Reads one YOLO label file as Ultralytics' `verify_image_label` does: one box per line, `class cx cy w h`
 * (normalized); when any line has more than 6 values the file holds polygons (`class x1 y1 x2 y2 …`) and each
 * becomes its bounding box. Coordinates must lie in [-0.01, 1.01] and class ids in [0, classCount), Ultralytics'
 * tolerances; duplicate rows are dropped (then rows are in sorted order, as `np.unique` leaves them). A missing file
 * is a background image.
 *
 * With `format.task` 'segment' or 'obb' the polygons are kept too (each needs at least 3 points); with 'pose' each
 * row is `class cx cy w h` and `kptShape` keypoint values (keypoint x, y at most 1.01, every value at least -0.01, as
 * Ultralytics checks them). Coordinates just outside [0, 1] (DOTA's corners reach -0.008 and 1.015) are accepted
 * where the box Ultralytics derives from them lies within its tolerance.
 *
 * @param classCount number of classes in the dataset (class ids are checked against it); omit to skip that check
 * @throws BadInputError `file:line: …` for a malformed line
 *
 * @example
 * ```ts
 * const { classes, boxesNormalized } = readYoloLabels('coco128/labels/train2017/000000000009.txt', 80);
 * ```
 */
export function readYoloLabels(path: string, classCount?: number, format?: LabelFormat): YoloLabels {
  if (typeof path !== 'string') check.fail('readYoloLabels: path', 'the path of a label file', path);
  const nc = check.optional(classCount, Infinity, (v) => check.integer('readYoloLabels: classCount', v, 1));
  const f = check.options<LabelFormat>('readYoloLabels: format', format);
  const task = check.optional(f.task, 'detect' as const, (v) => check.oneOf('readYoloLabels: format.task', v, ['detect', 'segment', 'pose', 'obb'] as const));
  let kpt: [number, number] | undefined;
  if (task === 'pose') {
    if (!Array.isArray(f.kptShape) || f.kptShape.length !== 2)
      check.fail('readYoloLabels: format.kptShape', '[keypoints, 2 or 3] for a pose dataset', f.kptShape);
    kpt = [check.integer('readYoloLabels: format.kptShape[0]', f.kptShape[0], 1), check.integer('readYoloLabels: format.kptShape[1]', f.kptShape[1], 2, 3)];
  }
  const keepSegments = task === 'segment' || task === 'obb';
  const empty = (): YoloLabels => ({
    classes: new Int32Array(0),
    boxesNormalized: new Float32Array(0),
    ...(keepSegments ? { segments: [] } : {}),
    ...(kpt ? { keypoints: new Float32Array(0) } : {}),
  });
  if (!existsSync(path) || !statSync(path).isFile()) return empty();
  const rows: Array<{ line: number; values: string[] }> = [];
  readFileSync(path, 'utf8')
    .split(/\r\n|\r|\n/)
    .forEach((text, i) => {
      const values = text.trim().split(/\s+/).filter(Boolean);
      if (values.length) rows.push({ line: i + 1, values });
    });
  const where = (line: number) => `${path}:${line}`;
  const num = (s: string, line: number): number => {
    const v = Number(s);
    if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s))
      throw new BadInputError(`${where(line)}: ${JSON.stringify(s)} is not a number`);
    return Math.fround(v); // np.array(..., dtype=np.float32)
  };
  // Keypoint rows are never polygons; otherwise any row of more than 6 values makes the file a polygon file.
  const polygons = !kpt && rows.some((r) => r.values.length > 6);
  const labels = rows.map(({ line, values }) => {
    const row = values.map((s) => num(s, line));
    if (kpt) {
      const want = 5 + kpt[0] * kpt[1];
      if (row.length !== want)
        throw new BadInputError(`${where(line)}: expected ${want} values 'class cx cy w h' and ${kpt[0]} x ${kpt[1]} keypoint values, found ${row.length}`);
      // verify_image_label for keypoints: x, y of the keypoints <= 1.01, every value >= -0.01.
      for (let k = 5; k < row.length; k++) {
        if ((k - 5) % kpt[1] < 2 && row[k] > 1.01)
          throw new BadInputError(`${where(line)}: keypoint coordinate ${row[k]} is outside the normalized range [0, 1] (Ultralytics allows ±0.01)`);
      }
      const low = row.find((v) => v < -0.01);
      if (low !== undefined) throw new BadInputError(`${where(line)}: value ${low} is below -0.01 (negative class or coordinate)`);
      return { line, row: row.slice(0, 5), segment: null, keypoints: row.slice(5) };
    }
    if (!polygons) {
      if (row.length !== 5) throw new BadInputError(`${where(line)}: expected 5 values 'class cx cy w h', found ${row.length}`);
      return { line, row, segment: null, keypoints: null };
    }
    // segments2boxes: the polygon's min/max, then xyxy2xywh, in float32.
    const coords = row.length - 1;
    if (coords < 2 || coords % 2) throw new BadInputError(`${where(line)}: a polygon needs x y pairs after the class, found ${coords} values`);
    if (keepSegments && coords < 6) throw new BadInputError(`${where(line)}: a polygon needs at least 3 points, found ${coords / 2}`);
    let x1 = Infinity,
      y1 = Infinity,
      x2 = -Infinity,
      y2 = -Infinity;
    for (let k = 1; k < row.length; k += 2) {
      x1 = Math.min(x1, row[k]);
      x2 = Math.max(x2, row[k]);
      y1 = Math.min(y1, row[k + 1]);
      y2 = Math.max(y2, row[k + 1]);
    }
    const f = Math.fround;
    return { line, row: [row[0], f(f(x1 + x2) / 2), f(f(y1 + y2) / 2), f(x2 - x1), f(y2 - y1)], segment: row.slice(1), keypoints: null };
  });
  for (const { line, row } of labels) {
    const [c, ...box] = row;
    if (!Number.isInteger(c) || c < 0 || c >= nc) {
      const range = nc === Infinity ? '>= 0' : `in [0, ${nc - 1}]`;
      throw new BadInputError(`${where(line)}: class ${row[0]} is not a class id ${range}`);
    }
    if (kpt) continue; // checked above, as Ultralytics checks keypoint rows
    const bad = box.find((v) => v > 1.01 || v < -0.01);
    if (bad !== undefined) throw new BadInputError(`${where(line)}: coordinate ${bad} is outside the normalized range [0, 1] (Ultralytics allows ±0.01)`);
  }
  let kept = labels;
  // np.unique(lb, axis=0, return_index=True): only applied when there are duplicates, and then rows come out sorted
  // (segments and keypoints follow their rows).
  const unique = [...new Map(kept.map((l) => [l.row.join(' '), l])).values()];
  if (unique.length < kept.length) kept = unique.sort((a, b) => a.row.reduce((d, v, k) => d || v - b.row[k], 0));
  const out: YoloLabels = {
    classes: Int32Array.from(kept, (l) => l.row[0]),
    boxesNormalized: Float32Array.from(kept.flatMap((l) => l.row.slice(1))),
  };
  if (keepSegments) out.segments = kept.map((l) => Float32Array.from(l.segment ?? []));
  if (kpt) {
    const [nk, ndim] = kpt;
    out.keypoints = new Float32Array(kept.length * nk * 3);
    kept.forEach((l, i) => {
      for (let j = 0; j < nk; j++) {
        const [x, y] = [l.keypoints![j * ndim], l.keypoints![j * ndim + 1]];
        // ndim 2: visible unless a coordinate is negative (verify_image_label's kpt_mask).
        const v = ndim === 3 ? l.keypoints![j * ndim + 2] : x < 0 || y < 0 ? 0 : 1;
        out.keypoints!.set([x, y, v], (i * nk + j) * 3);
      }
    });
  }
  return out;
}

/**
 * Reads a YOLO dataset description (Ultralytics' YAML: `path`, `train`, `val`, `test`, `names` or `nc`) and the
 * images and labels of one split. The dataset root is `options.root`, else the YAML's `path` (relative to the YAML's
 * folder), else the YAML's folder. A split is a folder (searched recursively for images), a `.txt` list of image
 * paths, or a list of either; a relative entry that does not exist and starts with `../` is retried without it, as
 * Ultralytics does. Labels come from the parallel `labels/` tree (`labelPathFor`).
 *
 * @throws BadInputError for an unreadable YAML (with its line), missing `names`/`nc`, a split that is missing or
 *   does not exist, a split without images, or a malformed label line (`file:line`)
 *
 * @example
 * ```ts
 * // coco128.yaml's `path: ../datasets/coco128` points into a yolov5 checkout: pass the folder that holds it.
 * const ds = readYoloDataset('fixtures/coco128/coco128.yaml', { root: 'fixtures/coco128' });
 * ds.images.length; // 128
 * ds.images[0].labels.classes; // Int32Array [45, 45, 50, 45, 49, 49, 49, 49]
 * ```
 */
export function readYoloDataset(yamlPath: string, options?: ReadYoloDatasetOptions): YoloDataset {
  if (typeof yamlPath !== 'string' || !yamlPath) check.fail('readYoloDataset: yamlPath', 'the path of a dataset YAML', yamlPath);
  const o = check.options<ReadYoloDatasetOptions>('readYoloDataset: options', options);
  if (o.root !== undefined && (typeof o.root !== 'string' || !o.root)) check.fail('readYoloDataset: options.root', 'a folder path', o.root);
  if (o.split !== undefined && (typeof o.split !== 'string' || !o.split)) check.fail('readYoloDataset: options.split', "a split name such as 'val'", o.split);
  const split = o.split ?? 'val';
  const doc = readYaml(yamlPath);
  const names = classNames(yamlPath, doc);
  const task = check.optional(o.task, 'detect' as const, (v) => check.oneOf('readYoloDataset: options.task', v, ['detect', 'segment', 'pose', 'obb'] as const));
  let kptShape: [number, number] | undefined;
  if (task === 'pose') {
    const k = doc.kpt_shape;
    if (!Array.isArray(k) || k.length !== 2 || !Number.isInteger(k[0]) || k[0] < 1 || (k[1] !== 2 && k[1] !== 3)) {
      throw new BadInputError(`${yamlPath}: a pose dataset needs 'kpt_shape: [keypoints, 2 or 3]', found ${check.describe(k)}`);
    }
    kptShape = [k[0], k[1]];
  }

  const declared = typeof doc.path === 'string' && doc.path ? doc.path : undefined;
  const root = resolve(o.root ?? (declared === undefined ? dirname(yamlPath) : resolve(dirname(yamlPath), declared)));
  const entry = doc[split] ?? (split === 'val' ? doc.validation : undefined);
  if (entry === undefined || entry === null || entry === '') throw new BadInputError(`${yamlPath}: no '${split}' split (keys: ${Object.keys(doc).join(', ')})`);
  const entries = Array.isArray(entry) ? entry : [entry];
  const images: string[] = [];
  for (const e of entries) {
    if (typeof e !== 'string' || !e) throw new BadInputError(`${yamlPath}: '${split}' must be a path or a list of paths, found ${check.describe(e)}`);
    let p = resolve(root, e);
    // check_det_dataset: a single relative path that does not exist and starts with ../ is retried without it.
    if (!Array.isArray(entry) && !existsSync(p) && e.startsWith('../')) p = resolve(root, e.slice(3));
    if (!existsSync(p)) throw new BadInputError(`${yamlPath}: ${split} path ${p} does not exist (dataset root ${root}; pass root to change it)`);
    if (statSync(p).isDirectory()) images.push(...listFiles(p));
    else images.push(...readImageList(p));
  }
  // get_img_files: image extensions only, all entries sorted together.
  const imageFiles = images.filter((f) => IMG_FORMATS.has(f.slice(f.lastIndexOf('.') + 1).toLowerCase())).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (!imageFiles.length)
    throw new BadInputError(`${yamlPath}: no images found for split '${split}' in ${entries.map((e) => resolve(root, String(e))).join(', ')}`);
  return {
    names,
    root,
    images: imageFiles.map((image) => ({ image, labels: readYoloLabels(labelPathFor(image), names.length, { task, kptShape }) })),
    ...(kptShape ? { kptShape } : {}),
  };
}

function readYaml(yamlPath: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(yamlPath, 'utf8');
  } catch (err) {
    throw new BadInputError(`${yamlPath}: cannot read the dataset YAML (${(err as Error).message})`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const line = err instanceof YAMLError && err.linePos ? `:${err.linePos[0].line}` : '';
    throw new BadInputError(`${yamlPath}${line}: not a valid dataset YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new BadInputError(`${yamlPath}: a dataset YAML must be a mapping with path, val and names, found ${check.describe(doc)}`);
  }
  return doc as Record<string, unknown>;
}

/** check_det_dataset + check_class_names: `names` as a list or an {id: name} mapping, or `nc` alone. */
function classNames(yamlPath: string, doc: Record<string, unknown>): string[] {
  const raw = doc.names;
  const nc = doc.nc;
  if (raw === undefined || raw === null) {
    if (typeof nc !== 'number' || !Number.isInteger(nc) || nc < 1) throw new BadInputError(`${yamlPath}: the dataset YAML needs 'names' (or 'nc')`);
    return Array.from({ length: nc }, (_, i) => `class_${i}`);
  }
  const name = (v: unknown, key: string): string => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new BadInputError(`${yamlPath}: names[${key}] must be a name, found ${check.describe(v)}`);
    return String(v);
  };
  let names: string[];
  if (Array.isArray(raw)) names = raw.map((v, i) => name(v, String(i)));
  else if (typeof raw === 'object') {
    const entries = Object.entries(raw as Record<string, unknown>);
    names = new Array<string>(entries.length);
    for (const [k, v] of entries) {
      const id = Number(k);
      if (!/^\d+$/.test(k) || id >= entries.length) {
        throw new BadInputError(`${yamlPath}: names key ${JSON.stringify(k)} is not a class id in [0, ${entries.length - 1}] (${entries.length} names)`);
      }
      names[id] = name(v, k);
    }
  } else throw new BadInputError(`${yamlPath}: 'names' must be a list or a mapping of class names, found ${check.describe(raw)}`);
  if (!names.length) throw new BadInputError(`${yamlPath}: 'names' is empty`);
  if (nc !== undefined && nc !== null && nc !== names.length)
    throw new BadInputError(`${yamlPath}: 'names' has ${names.length} entries but 'nc' is ${check.describe(nc)}`);
  return names;
}

/** Every file under dir, recursively, as `glob(dir/**\/*.*)` finds them: hidden names skipped, links followed. */
function listFiles(dir: string, seen = new Set<string>()): string[] {
  const real = realpathSync(dir);
  if (seen.has(real)) return []; // a link loop
  seen.add(real);
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling link
    }
    if (st.isDirectory()) out.push(...listFiles(p, seen));
    else if (name.includes('.')) out.push(p);
  }
  return out;
}

/**
 * A .txt list of images, one per line. `./x` is relative to the list's folder (Ultralytics); other relative lines
 * are too (Ultralytics leaves them relative to the working directory). Listed images must exist.
 */
function readImageList(listPath: string): string[] {
  const folder = dirname(listPath);
  const out: string[] = [];
  readFileSync(listPath, 'utf8')
    .split(/\r\n|\r|\n/)
    .forEach((text, i) => {
      const line = text.trim();
      if (!line) return;
      const p = isAbsolute(line) ? line : resolve(folder, line.startsWith('./') ? line.slice(2) : line);
      if (IMG_FORMATS.has(p.slice(p.lastIndexOf('.') + 1).toLowerCase()) && !existsSync(p)) {
        throw new BadInputError(`${listPath}:${i + 1}: image ${p} does not exist`);
      }
      out.push(p);
    });
  return out;
}

/**
 * Normalized labels (cx, cy, w, h) → pixel boxes (x1, y1, x2, y2) in float32, clipped to the image as Ultralytics'
 * `scale_boxes` clips the labels it compares predictions with.
 *
 * @param labels the labels of one image, or their `boxesNormalized`
 *
 * @example
 * ```ts
 * toPixelBoxes({ classes: Int32Array.of(0), boxesNormalized: Float32Array.of(0.5, 0.5, 0.5, 0.25) }, 200, 100);
 * // Float32Array [50, 37.5, 150, 62.5]
 * ```
 */
export function toPixelBoxes(labels: YoloLabels | Float32Array, width: number, height: number): Float32Array {
  const boxes = labels instanceof Float32Array ? labels : check.object<YoloLabels>('toPixelBoxes: labels', labels).boxesNormalized;
  if (!(boxes instanceof Float32Array) || boxes.length % 4) check.fail('toPixelBoxes: labels.boxesNormalized', 'a Float32Array of 4 values per box', boxes);
  check.number('toPixelBoxes: width', width, 1);
  check.number('toPixelBoxes: height', height, 1);
  const f = Math.fround;
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    // xywh2xyxy in float32, then to pixels.
    const hw = f(boxes[i + 2] / 2);
    const hh = f(boxes[i + 3] / 2);
    const x1 = f(f(boxes[i] - hw) * width);
    const y1 = f(f(boxes[i + 1] - hh) * height);
    const x2 = f(f(boxes[i] + hw) * width);
    const y2 = f(f(boxes[i + 1] + hh) * height);
    out[i] = Math.min(Math.max(x1, 0), width);
    out[i + 1] = Math.min(Math.max(y1, 0), height);
    out[i + 2] = Math.min(Math.max(x2, 0), width);
    out[i + 3] = Math.min(Math.max(y2, 0), height);
  }
  return out;
}
