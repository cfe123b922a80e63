import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { readYoloDataset, readYoloLabels } from '../../lib/index.js';
import { expectThrows } from '../helpers/expect-error.js';
import { fixture } from '../helpers/fixtures.js';

const both = (yaml: string, root: string, task: 'segment' | 'pose' | 'obb') =>
  ['train', 'val'].flatMap((split) => readYoloDataset(fixture(yaml), { root: fixture(root), split, task }).images);

describe('task labels', () => {
  it('segment: keeps each polygon next to the box derived from it (boxes as detection reads them)', () => {
    const images = both('coco8-seg/coco8-seg.yaml', 'coco8-seg', 'segment');
    const detect = ['train', 'val'].flatMap((split) => readYoloDataset(fixture('coco8-seg/coco8-seg.yaml'), { root: fixture('coco8-seg'), split }).images);
    expect(images.reduce((n, i) => n + i.labels.classes.length, 0)).toBe(30);
    images.forEach((img, k) => {
      const { classes, boxesNormalized, segments } = img.labels;
      expect(boxesNormalized).toEqual(detect[k].labels.boxesNormalized);
      expect(segments!.length).toBe(classes.length);
      segments!.forEach((s, i) => {
        expect(s.length % 2).toBe(0);
        expect(s.length).toBeGreaterThanOrEqual(6);
        const xs = Array.from(s).filter((_, j) => j % 2 === 0);
        const ys = Array.from(s).filter((_, j) => j % 2 === 1);
        const f = Math.fround;
        expect(boxesNormalized[i * 4 + 2]).toBe(f(Math.max(...xs) - Math.min(...xs)));
        expect(boxesNormalized[i * 4 + 3]).toBe(f(Math.max(...ys) - Math.min(...ys)));
      });
    });
  });

  it('obb: reads dota8 with its corners slightly outside [0, 1], as Ultralytics accepts them', () => {
    const images = both('dota8/dota8.yaml', 'dota8', 'obb');
    const segments = images.flatMap((i) => i.labels.segments!);
    expect(segments.length).toBe(133);
    expect(segments.every((s) => s.length === 8)).toBe(true);
    const values = segments.flatMap((s) => Array.from(s));
    const outside = values.filter((v) => v < 0 || v > 1);
    expect(outside.length).toBe(29);
    // Some corners lie further out than the ±0.01 tolerance (down to -0.072): Ultralytics checks the box it derives
    // from each polygon, not the corners, and so does trtjs.
    expect(Math.min(...values)).toBeLessThan(-0.05);
    expect(Math.max(...values)).toBeGreaterThan(1);
  });

  it("pose: reads coco8-pose's 17 keypoints per person with the YAML's kpt_shape", () => {
    const ds = readYoloDataset(fixture('coco8-pose/coco8-pose.yaml'), { root: fixture('coco8-pose'), task: 'pose' });
    expect(ds.kptShape).toEqual([17, 3]);
    const images = both('coco8-pose/coco8-pose.yaml', 'coco8-pose', 'pose');
    expect(images.reduce((n, i) => n + i.labels.classes.length, 0)).toBe(21);
    for (const { labels } of images) {
      expect(labels.keypoints!.length).toBe(labels.classes.length * 17 * 3);
      for (let k = 2; k < labels.keypoints!.length; k += 3) expect([0, 1, 2]).toContain(labels.keypoints![k]);
    }
  });

  it('pose with kpt_shape [n, 2]: visibility derived from negative coordinates, as verify_image_label does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-kpt2-'));
    writeFileSync(join(dir, 'a.txt'), '0 0.5 0.5 0.2 0.2 0.1 0.2 -0.005 0.3 0.4 0.4\n');
    const l = readYoloLabels(join(dir, 'a.txt'), 1, { task: 'pose', kptShape: [3, 2] });
    expect(Array.from(l.keypoints!)).toEqual([0.1, 0.2, 1, -0.005, 0.3, 0, 0.4, 0.4, 1].map(Math.fround));
  });

  it('refuses malformed task labels with file:line messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-tasklabels-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const two = file('two.txt', '0 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5\n1 0.2 0.2 0.3 0.3\n');
    const pose = file('pose.txt', `0 0.5 0.5 0.2 0.2 ${'0.1 0.1 2 '.repeat(16)}\n`);
    const far = file('far.txt', `0 0.5 0.5 0.2 0.2 ${'0.1 0.1 2 '.repeat(16)}1.2 0.5 2\n`);
    const neg = file('neg.txt', `0 0.5 0.5 0.2 0.2 ${'0.1 0.1 2 '.repeat(16)}0.5 -0.02 2\n`);
    expectThrows([
      [() => readYoloLabels(two, 2, { task: 'segment' }), /two\.txt:2: a polygon needs at least 3 points, found 2/],
      [
        () => readYoloLabels(pose, 1, { task: 'pose', kptShape: [17, 3] }),
        /pose\.txt:1: expected 56 values 'class cx cy w h' and 17 x 3 keypoint values, found 53/,
      ],
      [
        () => readYoloLabels(far, 1, { task: 'pose', kptShape: [17, 3] }),
        /far\.txt:1: keypoint coordinate 1\.2000000476837158 is outside the normalized range/,
      ],
      [() => readYoloLabels(neg, 1, { task: 'pose', kptShape: [17, 3] }), /neg\.txt:1: value -0\.019999999552965164 is below -0\.01/],
      [() => readYoloLabels(pose, 1, { task: 'pose' }), /readYoloLabels: format.kptShape must be \[keypoints, 2 or 3\] for a pose dataset, received undefined/],
    ]);
    // The same two-point polygon is a (degenerate) box to the detection reader, as before.
    expect(readYoloLabels(two, 2).classes.length).toBe(2);
    const yaml = file('nokpt.yaml', 'path: .\nval: .\nnames: {0: person}\n');
    writeFileSync(join(dir, 'x.jpg'), '');
    expectThrows([[() => readYoloDataset(yaml, { task: 'pose' }), /nokpt\.yaml: a pose dataset needs 'kpt_shape: \[keypoints, 2 or 3\]', found undefined/]]);
  });
});
