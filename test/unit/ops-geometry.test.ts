import { describe, expect, it } from 'vitest';

import { TrtjsError, scaleBoxes, type Detections } from '../../lib/index.js';
import { letterboxGeometry, pyRound } from '../../lib/ops/geometry.js';

const dets = (boxes: number[]): Detections => ({
  count: boxes.length / 4,
  boxes: Float32Array.from(boxes),
  scores: new Float32Array(boxes.length / 4).fill(0.9),
  classes: new Int32Array(boxes.length / 4),
});

describe('Python rounding and letterbox geometry', () => {
  it('pyRound rounds halves to even like Python 3', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 79.9, 80.1, 2.4999999].map(pyRound)).toEqual([0, 2, 2, 0, -2, 80, 80, 2]);
  });

  it('bus.jpg (810x1080) and zidane.jpg (1280x720) at 640 follow Ultralytics LetterBox', () => {
    const opts = { size: [640, 640] as [number, number], auto: false, scaleFill: false, scaleUp: true, center: true, stride: 32 };
    expect(letterboxGeometry(810, 1080, opts)).toEqual({
      resized: [480, 640],
      output: [640, 640],
      pad: { left: 80, top: 0, right: 80, bottom: 0 },
      ratio: [640 / 1080, 640 / 1080],
    });
    expect(letterboxGeometry(1280, 720, opts)).toEqual({
      resized: [640, 360],
      output: [640, 640],
      pad: { left: 0, top: 140, right: 0, bottom: 140 },
      ratio: [0.5, 0.5],
    });
    expect(letterboxGeometry(1280, 720, { ...opts, auto: true })).toEqual({
      resized: [640, 360],
      output: [640, 384],
      pad: { left: 0, top: 12, right: 0, bottom: 12 },
      ratio: [0.5, 0.5],
    });
  });

  it('matches an independent float reference over many sizes and options', () => {
    const ref = (w0: number, h0: number, H: number, W: number, auto: boolean, fill: boolean, up: boolean, center: boolean) => {
      // Written from the Python source with explicit half-even rounding via toFixed-free arithmetic.
      const round = (x: number) => {
        const r = Math.round(x);
        return (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r) + 0;
      };
      let r = Math.min(H / h0, W / w0);
      if (!up) r = Math.min(r, 1);
      // trtjs keeps at least one pixel where Python's int(round()) gives 0 (OpenCV's resize would fail there).
      let nw = Math.max(1, round(w0 * r)),
        nh = Math.max(1, round(h0 * r));
      let dw = W - nw,
        dh = H - nh;
      if (auto) {
        dw = ((dw % 32) + 32) % 32;
        dh = ((dh % 32) + 32) % 32;
      } else if (fill) {
        dw = 0;
        dh = 0;
        nw = W;
        nh = H;
      }
      if (center) {
        dw /= 2;
        dh /= 2;
      }
      const top = center ? round(dh - 0.1) : 0,
        bottom = round(dh + 0.1);
      const left = center ? round(dw - 0.1) : 0,
        right = round(dw + 0.1);
      return [nw, nh, nw + left + right, nh + top + bottom, left, top];
    };
    let n = 0;
    for (let w0 = 1; w0 < 3000; w0 += 97) {
      for (let h0 = 1; h0 < 3000; h0 += 131) {
        for (const [H, W] of [
          [640, 640],
          [384, 640],
          [320, 320],
          [1280, 1280],
        ]) {
          for (const flags of [
            [false, false, true, true],
            [true, false, true, true],
            [false, true, true, true],
            [false, false, false, true],
            [false, false, true, false],
          ] as const) {
            const g = letterboxGeometry(w0, h0, { size: [H, W], auto: flags[0], scaleFill: flags[1], scaleUp: flags[2], center: flags[3], stride: 32 });
            expect([...g.resized, ...g.output, g.pad.left, g.pad.top]).toEqual(ref(w0, h0, H, W, flags[0], flags[1], flags[2], flags[3]));
            n++;
          }
        }
      }
    }
    expect(n).toBeGreaterThan(10000);
  });
});

describe('scaleBoxes', () => {
  const letterboxed = (
    w0: number,
    h0: number,
    extra: Partial<{ scale: [number, number]; pad: [number, number]; shape: [number, number, number, number] }> = {},
  ) => {
    const g = letterboxGeometry(w0, h0, { size: [640, 640], auto: false, scaleFill: false, scaleUp: true, center: true, stride: 32 });
    return {
      data: new Float32Array(0),
      dtype: 'float32' as const,
      layout: 'nchw' as const,
      shape: [1, 3, g.output[1], g.output[0]] as [number, number, number, number],
      scale: g.ratio,
      pad: [g.pad.left, g.pad.top] as [number, number],
      resized: g.resized,
      sourceSize: [w0, h0] as [number, number],
      ...extra,
    };
  };

  it('maps the letterboxed picture area back onto the whole source image', () => {
    const bus = scaleBoxes(dets([80, 0, 560, 640]), letterboxed(810, 1080));
    expect(Array.from(bus.boxes)).toEqual([0, 0, 810, 1080]);
    const zidane = scaleBoxes(dets([0, 140, 640, 500, 100, 200, 300, 400]), letterboxed(1280, 720));
    expect(Array.from(zidane.boxes)).toEqual([0, 0, 1280, 720, 200, 120, 600, 520]);
  });

  it('clips to the source image and computes in float32 like torch', () => {
    const r = scaleBoxes(dets([-20, -5, 700, 700, 81.3, 10.7, 300.1, 200.9]), letterboxed(810, 1080));
    const gain = Math.fround(640 / 1080);
    expect(Array.from(r.boxes.subarray(0, 4))).toEqual([0, 0, 810, 1080]);
    expect(r.boxes[4]).toBe(Math.fround(Math.fround(Math.fround(81.3) - 80) / gain));
    expect(r.boxes[7]).toBe(Math.fround(Math.fround(200.9) / gain));
  });

  it('uses per-axis ratios for scaleFill and explicit { scale, pad }', () => {
    const fill = scaleBoxes(dets([0, 0, 640, 640]), letterboxed(1280, 720, { scale: [0.5, 640 / 720], pad: [0, 0] }));
    expect(Array.from(fill.boxes)).toEqual([0, 0, 1280, 720]);
    const explicit = scaleBoxes(dets([10, 20, 30, 40]), { scale: 2, pad: [10, 20] }, [100, 100]);
    expect(Array.from(explicit.boxes)).toEqual([0, 0, 10, 10]);
  });

  it('rejects bad arguments with ERR_BAD_INPUT', () => {
    const calls: Array<() => unknown> = [
      () => scaleBoxes(dets([0, 0, 1, 1]), { scale: 0, pad: [0, 0] }, [10, 10]),
      () => scaleBoxes(dets([0, 0, 1, 1]), { scale: 1, pad: [0] as never }, [10, 10]),
      () => scaleBoxes(dets([0, 0, 1, 1]), { scale: 1, pad: [0, 0] }),
      () => scaleBoxes({ count: 2, boxes: new Float32Array(4) } as never, { scale: 1, pad: [0, 0] }, [10, 10]),
    ];
    for (const c of calls) {
      expect(c).toThrow(TrtjsError);
      try {
        c();
      } catch (e) {
        expect((e as TrtjsError).code).toBe('ERR_BAD_INPUT');
      }
    }
  });
});
