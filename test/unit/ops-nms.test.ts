import { describe, expect, it } from 'vitest';

import { nms } from '../../lib/index.js';
import { rng } from '../helpers/random.js';
import { expectThrows } from '../helpers/expect-error.js';
import { referenceNms } from '../reference/yolo-reference.js';

function randomBoxes(n: number, seed: number, opts: { ties?: boolean; degenerate?: boolean; duplicates?: boolean } = {}) {
  const r = rng(seed);
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (opts.duplicates && i > 0 && r() < 0.2) {
      const j = Math.floor(r() * i);
      boxes.set(boxes.subarray(j * 4, j * 4 + 4), i * 4);
    } else {
      const x = r() * 600,
        y = r() * 600;
      const w = opts.degenerate && r() < 0.1 ? 0 : 5 + r() * 120;
      const h = opts.degenerate && r() < 0.1 ? 0 : 5 + r() * 120;
      boxes.set([x, y, x + w, y + h], i * 4);
    }
    scores[i] = opts.ties ? Math.floor(r() * 5) / 5 : r();
  }
  return { boxes, scores };
}

describe('nms', () => {
  it('matches the brute-force torchvision reference on random boxes (agnostic)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { boxes, scores } = randomBoxes(50 + seed * 7, seed, { duplicates: true, degenerate: true });
      for (const iou of [0.3, 0.5, 0.7]) {
        expect(Array.from(nms(boxes, scores, { iou })), `seed ${seed} iou ${iou}`).toEqual(referenceNms(boxes, scores, iou));
      }
    }
  });

  it('breaks score ties by index, as a stable sort does', () => {
    for (let seed = 100; seed < 120; seed++) {
      const { boxes, scores } = randomBoxes(200, seed, { ties: true, duplicates: true });
      expect(Array.from(nms(boxes, scores, { iou: 0.45 }))).toEqual(referenceNms(boxes, scores, 0.45));
    }
  });

  it('is class-aware when classes are given (like batched_nms)', () => {
    for (let seed = 200; seed < 220; seed++) {
      const { boxes, scores } = randomBoxes(150, seed, { duplicates: true });
      const r = rng(seed);
      const classes = Int32Array.from({ length: 150 }, () => Math.floor(r() * 4));
      expect(Array.from(nms(boxes, scores, { iou: 0.5, classes }))).toEqual(referenceNms(boxes, scores, 0.5, classes));
    }
  });

  it('suppresses only when IoU is strictly greater than the threshold', () => {
    // IoU of these two boxes is exactly 0.5 (intersection 50, union 100).
    const boxes = new Float32Array([0, 0, 10, 7.5, 0, 2.5, 10, 10]);
    const scores = new Float32Array([0.9, 0.8]);
    expect(Array.from(nms(boxes, scores, { iou: 0.5 }))).toEqual([0, 1]);
    expect(Array.from(nms(boxes, scores, { iou: 0.49 }))).toEqual([0]);
  });

  it('applies maxDet and scoreThreshold', () => {
    const { boxes, scores } = randomBoxes(300, 7);
    const all = referenceNms(boxes, scores, 0.5);
    expect(Array.from(nms(boxes, scores, { iou: 0.5, maxDet: 10 }))).toEqual(all.slice(0, 10));
    const kept = Array.from(nms(boxes, scores, { iou: 0.5, scoreThreshold: 0.6 }));
    expect(kept.every((i) => scores[i] > 0.6)).toBe(true);
    const filtered = Array.from(scores.keys()).filter((i) => scores[i] > 0.6);
    const sub = referenceNms(
      Float32Array.from(filtered.flatMap((i) => Array.from(boxes.subarray(i * 4, i * 4 + 4)))),
      filtered.map((i) => scores[i]),
      0.5,
    );
    expect(kept).toEqual(sub.map((k) => filtered[k]));
  });

  it('returns empty for empty input and rejects bad input with ERR_BAD_INPUT naming the argument', () => {
    expect(nms(new Float32Array(0), new Float32Array(0)).length).toBe(0);
    const bad: Array<[() => unknown, RegExp]> = [
      [() => nms(new Float32Array([0, 0, 1, 1]), new Float32Array([Number.NaN])), /nms: scores\[0\] must be a finite number, received NaN/],
      [() => nms(new Float32Array([0, 0, 1, Infinity]), new Float32Array([0.5])), /nms: boxes\[3\] must be a finite number/],
      [() => nms(new Float32Array([0, 0, 1]), new Float32Array([0.5])), /nms: boxes must be 4 values/],
      [() => nms(new Float32Array([0, 0, 1, 1]), new Float32Array([0.5]), { iou: 1.5 }), /nms: options.iou must be a finite number in \[0, 1\], received 1.5/],
      [() => nms(new Float32Array([0, 0, 1, 1]), new Float32Array([0.5]), { classes: [0, 1] }), /nms: options.classes must be 1 class ids/],
      [() => nms(new Float32Array([0, 0, 1, 1]), new Float32Array([0.5]), { classes: [0.5] }), /nms: options.classes\[0\] must be an integer/],
      [() => nms('boxes' as never, new Float32Array([0.5])), /nms: boxes must be a Float32Array/],
    ];
    expectThrows(bad);
  });
});
