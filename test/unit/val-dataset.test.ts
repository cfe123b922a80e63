import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { labelPathFor, readYoloDataset, readYoloLabels, toPixelBoxes } from '../../lib/val/dataset.js';
import { expectThrows } from '../helpers/expect-error.js';
import { fixture } from '../helpers/fixtures.js';

const f32 = (a: number[]) => Float32Array.from(a);

describe('readYoloDataset on coco128', () => {
  const yaml = fixture('coco128/coco128.yaml');
  const root = fixture('coco128');
  const ds = readYoloDataset(yaml, { root });

  it('128 images, 126 with labels holding 929 boxes, 80 names', () => {
    expect(ds.names).toHaveLength(80);
    expect([ds.names[0], ds.names[79]]).toEqual(['person', 'toothbrush']);
    expect(ds.root).toBe(root);
    expect(ds.images).toHaveLength(128);
    expect(ds.images.filter((i) => i.labels.classes.length > 0)).toHaveLength(126);
    // The two label files without an image (000000000656, 000000000659) are not part of the split.
    expect(ds.images.reduce((n, i) => n + i.labels.classes.length, 0)).toBe(929);
    for (const { labels } of ds.images) expect(labels.boxesNormalized.length).toBe(labels.classes.length * 4);
  });

  it('000000000250 and 000000000508 have no label file: background images', () => {
    const background = ds.images.filter((i) => i.labels.classes.length === 0).map((i) => basename(i.image));
    expect(background).toEqual(['000000000250.jpg', '000000000508.jpg']);
  });

  it('absolute, sorted image paths; labels read from the parallel labels/ folder', () => {
    const paths = ds.images.map((i) => i.image);
    expect(paths[0]).toBe(join(root, 'images/train2017/000000000009.jpg'));
    expect([...paths].sort()).toEqual(paths);
    const first = ds.images[0].labels;
    expect(Array.from(first.classes)).toEqual([45, 45, 50, 45, 49, 49, 49, 49]);
    expect(Array.from(first.boxesNormalized.subarray(0, 4))).toEqual([0.479492, 0.688771, 0.955609, 0.5955].map(Math.fround));
  });

  it("'val' is the default split; coco128's val and train are the same folder; it has no test split", () => {
    expect(readYoloDataset(yaml, { root, split: 'train' }).images.map((i) => i.image)).toEqual(ds.images.map((i) => i.image));
    expectThrows([[() => readYoloDataset(yaml, { root, split: 'test' }), /coco128\.yaml: no 'test' split/]]);
  });

  it("without root, the YAML's relative path (../datasets/coco128) resolves against its folder, and is missing here", () => {
    const resolved = join(dirname(dirname(yaml)), 'datasets/coco128/images/train2017');
    expectThrows([[() => readYoloDataset(yaml), new RegExp(`val path ${resolved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`)]]);
  });
});

describe('labelPathFor (img2label_paths) and toPixelBoxes', () => {
  it('swaps the last /images/ for /labels/ and the extension for .txt', () => {
    expect(labelPathFor('/d/images/train2017/a.jpg')).toBe('/d/labels/train2017/a.txt');
    expect(labelPathFor('/images/x/images/b.c.PNG')).toBe('/images/x/labels/b.c.txt');
    expect(labelPathFor('/d/imgs/a.jpg')).toBe('/d/imgs/a.txt');
  });

  it('normalized cx, cy, w, h to pixel x1, y1, x2, y2, clipped to the image', () => {
    // The second box reaches past the left and bottom edges: x1 -0.125·200 and y2 1.125·100 are clipped.
    const labels = { classes: Int32Array.of(0, 1), boxesNormalized: f32([0.5, 0.5, 0.5, 0.25, 0.125, 0.875, 0.5, 0.5]) };
    expect(Array.from(toPixelBoxes(labels, 200, 100))).toEqual([50, 37.5, 150, 62.5, 0, 62.5, 75, 100]);
    expect(Array.from(toPixelBoxes(f32([0.5, 0.5, 1, 1]), 640, 480))).toEqual([0, 0, 640, 480]);
    expectThrows([
      [() => toPixelBoxes(f32([0.5, 0.5, 1]), 10, 10), /toPixelBoxes: labels.boxesNormalized must be a Float32Array of 4 values per box/],
      [() => toPixelBoxes(f32([]), 0, 10), /toPixelBoxes: width must be a finite number in \[1, Infinity\], received 0/],
      [() => toPixelBoxes(null as never, 10, 10), /toPixelBoxes: labels must be an object, received null/],
    ]);
  });
});

describe('readYoloDataset / readYoloLabels on generated datasets', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'trtjs-val-dataset-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let n = 0;
  /** A fresh dataset folder from a map of relative path → content (images are empty files: only names matter). */
  function make(files: Record<string, string>): string {
    const dir = join(tmp, `ds${n++}`);
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), content);
    }
    return dir;
  }

  it('finds images recursively, skips hidden and non-image files, reads names as a list', () => {
    const dir = make({
      'data.yaml': 'path: .\nval: images/val\nnames: [cat, dog]\n',
      'images/val/b.jpg': '',
      'images/val/sub/a.PNG': '',
      'images/val/.hidden.jpg': '',
      'images/val/notes.txt': '',
      'labels/val/b.txt': '1 0.5 0.5 0.2 0.2\r\n\r\n0 0.1 0.1 0.1 0.1\r\n',
      'labels/val/sub/a.txt': '',
    });
    const ds = readYoloDataset(join(dir, 'data.yaml'));
    expect(ds.names).toEqual(['cat', 'dog']);
    expect(ds.images.map((i) => i.image)).toEqual([join(dir, 'images/val/b.jpg'), join(dir, 'images/val/sub/a.PNG')]);
    expect(Array.from(ds.images[0].labels.classes)).toEqual([1, 0]);
    expect(ds.images[1].labels.classes.length).toBe(0); // an empty label file: background
  });

  it("a .txt list of images ('./' relative to the list), names as a mapping, nc, the 'validation' key, no path", () => {
    const dir = make({
      'd.yaml': 'train: x\nvalidation: val.txt\nnc: 2\nnames:\n  1: dog\n  0: cat\n',
      'val.txt': './images/b.jpg\nimages/a.jpg\n\n',
      'images/a.jpg': '',
      'images/b.jpg': '',
      'labels/a.txt': '0 0.5 0.5 1 1\n',
    });
    const ds = readYoloDataset(join(dir, 'd.yaml'));
    expect(ds.names).toEqual(['cat', 'dog']);
    expect(ds.root).toBe(dir);
    expect(ds.images.map((i) => basename(i.image))).toEqual(['a.jpg', 'b.jpg']);
    expect(ds.images[0].labels.classes.length).toBe(1);
  });

  it("a relative path resolves against the YAML's folder; root overrides it; a split may be a list", () => {
    const dir = make({
      'cfg/d.yaml': 'path: ../set\nval: [images/a, images/b]\nnames: {0: x}\n',
      'set/images/a/1.jpg': '',
      'set/images/b/2.jpg': '',
    });
    const ds = readYoloDataset(join(dir, 'cfg/d.yaml'));
    expect(ds.root).toBe(join(dir, 'set'));
    expect(ds.images.map((i) => basename(i.image))).toEqual(['1.jpg', '2.jpg']);
    expect(readYoloDataset(join(dir, 'cfg/d.yaml'), { root: join(dir, 'set') }).images).toHaveLength(2);
  });

  it('polygon labels (more than 6 values on a line) become their bounding boxes, as segments2boxes', () => {
    const dir = make({ 'p.txt': '2 0.1 0.2 0.5 0.2 0.3 0.6\n0 0.2 0.2 0.4 0.4\n' });
    const { classes, boxesNormalized } = readYoloLabels(join(dir, 'p.txt'), 3);
    expect(Array.from(classes)).toEqual([2, 0]);
    const f = Math.fround;
    // Line 1: x 0.1..0.5, y 0.2..0.6. Line 2, read as a 2-point polygon too: (0.2, 0.2), (0.4, 0.4).
    expect(Array.from(boxesNormalized)).toEqual([
      f(f(f(0.1) + f(0.5)) / 2),
      f(f(f(0.2) + f(0.6)) / 2),
      f(f(0.5) - f(0.1)),
      f(f(0.6) - f(0.2)),
      f(f(f(0.2) + f(0.4)) / 2),
      f(f(f(0.2) + f(0.4)) / 2),
      f(f(0.4) - f(0.2)),
      f(f(0.4) - f(0.2)),
    ]);
  });

  it('duplicate rows are dropped and the rest sorted, as np.unique(axis=0) leaves them; a missing file is empty', () => {
    const dir = make({ 'l.txt': '3 0.5 0.5 0.1 0.1\n1 0.2 0.2 0.1 0.1\n3 0.5 0.5 0.1 0.1\n' });
    const { classes, boxesNormalized } = readYoloLabels(join(dir, 'l.txt'));
    expect(Array.from(classes)).toEqual([1, 3]);
    expect(boxesNormalized.length).toBe(8);
    expect(readYoloLabels(join(dir, 'missing.txt')).classes.length).toBe(0);
  });

  it('rejects malformed label lines, naming the file and line', () => {
    const dir = make({
      'four.txt': '0 0.5 0.5 0.1 0.1\n0 0.5 0.5 0.1\n',
      'six.txt': '0 0.5 0.5 0.1 0.1 0.9\n',
      'word.txt': '0 0.5 abc 0.1 0.1\n',
      'cls.txt': '\n7 0.5 0.5 0.1 0.1\n',
      'frac.txt': '1.5 0.5 0.5 0.1 0.1\n',
      'range.txt': '0 0.5 0.5 1.2 0.1\n',
      'neg.txt': '0 -0.2 0.5 0.1 0.1\n',
      'odd.txt': '0 0.1 0.1 0.2 0.2 0.3 0.3 0.4\n',
    });
    const p = (name: string) => join(dir, name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expectThrows([
      [() => readYoloLabels(join(dir, 'four.txt'), 80), new RegExp(`^${p('four.txt')}:2: expected 5 values 'class cx cy w h', found 4$`)],
      [() => readYoloLabels(join(dir, 'six.txt'), 80), new RegExp(`^${p('six.txt')}:1: expected 5 values`)],
      [() => readYoloLabels(join(dir, 'word.txt'), 80), new RegExp(`^${p('word.txt')}:1: "abc" is not a number$`)],
      [() => readYoloLabels(join(dir, 'cls.txt'), 5), new RegExp(`^${p('cls.txt')}:2: class 7 is not a class id in \\[0, 4\\]$`)],
      [() => readYoloLabels(join(dir, 'frac.txt'), 5), new RegExp(`^${p('frac.txt')}:1: class 1.5 is not a class id`)],
      [() => readYoloLabels(join(dir, 'range.txt'), 5), new RegExp(`^${p('range.txt')}:1: coordinate 1.2\\d* is outside the normalized range`)],
      [() => readYoloLabels(join(dir, 'neg.txt'), 5), new RegExp(`^${p('neg.txt')}:1: coordinate -0.2\\d* is outside`)],
      [() => readYoloLabels(join(dir, 'odd.txt'), 5), new RegExp(`^${p('odd.txt')}:1: a polygon needs x y pairs after the class, found 7 values$`)],
      [() => readYoloLabels(42 as never), /readYoloLabels: path must be the path of a label file, received 42/],
    ]);
  });

  it('a malformed label in a dataset fails the whole read, naming the label file', () => {
    const dir = make({ 'd.yaml': 'val: images\nnames: [a]\n', 'images/x.jpg': '', 'labels/x.txt': '1 0.5 0.5 0.1 0.1\n' });
    expectThrows([[() => readYoloDataset(join(dir, 'd.yaml')), /labels\/x\.txt:1: class 1 is not a class id in \[0, 0\]/]]);
  });

  it('rejects bad YAML, bad names, and missing or empty splits, naming the file', () => {
    const dir = make({
      'syntax.yaml': 'val: images\nnames: [a, b\n',
      'scalar.yaml': 'just text\n',
      'nonames.yaml': 'val: images\n',
      'nc.yaml': 'val: images\nnames: [a, b]\nnc: 3\n',
      'keys.yaml': 'val: images\nnames: {0: a, 2: b}\n',
      'badname.yaml': 'val: images\nnames: [a, [b]]\n',
      'nosplit.yaml': 'train: images\nnames: [a]\n',
      'missing.yaml': 'val: nowhere\nnames: [a]\n',
      'empty.yaml': 'val: empty\nnames: [a]\n',
      'empty/readme.md': '',
      'list.yaml': 'val: list.txt\nnames: [a]\n',
      'list.txt': './images/gone.jpg\n',
      'images/ok.jpg': '',
    });
    const y = (name: string) => join(dir, name);
    expectThrows([
      [() => readYoloDataset(y('syntax.yaml')), /syntax\.yaml:\d+: not a valid dataset YAML/],
      [() => readYoloDataset(y('scalar.yaml')), /scalar\.yaml: a dataset YAML must be a mapping with path, val and names, found "just text"/],
      [() => readYoloDataset(y('nonames.yaml')), /nonames\.yaml: the dataset YAML needs 'names' \(or 'nc'\)/],
      [() => readYoloDataset(y('nc.yaml')), /nc\.yaml: 'names' has 2 entries but 'nc' is 3/],
      [() => readYoloDataset(y('keys.yaml')), /keys\.yaml: names key "2" is not a class id in \[0, 1\]/],
      [() => readYoloDataset(y('badname.yaml')), /badname\.yaml: names\[1\] must be a name, found an array of length 1/],
      [() => readYoloDataset(y('nosplit.yaml')), /nosplit\.yaml: no 'val' split \(keys: train, names\)/],
      [() => readYoloDataset(y('missing.yaml')), /missing\.yaml: val path .*nowhere does not exist/],
      [() => readYoloDataset(y('empty.yaml')), /empty\.yaml: no images found for split 'val'/],
      [() => readYoloDataset(y('list.yaml')), /list\.txt:1: image .*gone\.jpg does not exist/],
      [() => readYoloDataset(y('absent.yaml')), /absent\.yaml: cannot read the dataset YAML/],
      [() => readYoloDataset(''), /readYoloDataset: yamlPath must be the path of a dataset YAML, received ""/],
      [() => readYoloDataset(y('list.yaml'), { split: 3 as never }), /readYoloDataset: options.split must be a split name/],
      [() => readYoloDataset(y('list.yaml'), { root: '' }), /readYoloDataset: options.root must be a folder path/],
    ]);
  });
});
