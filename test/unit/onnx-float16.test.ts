import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { Detector, TrtjsError, onnxToFloat16, onnxToFloat16WithReport, readModelInfo, type Detection } from '../../lib/index.js';
import { floatToHalf, halfToFloat } from '../../lib/onnx/half.js';
import { fixture } from '../helpers/fixtures.js';
import { halfToNumber } from '../helpers/random.js';

const f32Model = readFileSync(fixture('models/yolov8n_dynamic_f32.onnx'));

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

describe('float16 conversion of single values', () => {
  it('rounds to nearest even, with subnormals, overflow and NaN', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // rounds up to Inf
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie to even (0)
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // tie to even (2)
    expect(floatToHalf(0.1)).toBe(0x2e66);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x3ff).not.toBe(0);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway: even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite half exactly, agreeing with an independent decoder', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads
      expect(halfToFloat(h)).toBe(halfToNumber(h));
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
  });
});

describe('onnxToFloat16', () => {
  it('converts weights and activations, keeping float32 IO behind Casts', async () => {
    const { bytes, report } = onnxToFloat16WithReport(f32Model);
    expect(bytes.length).toBeLessThan(f32Model.length * 0.55);
    expect(report.initializers).toBeGreaterThan(100);
    expect(report.float16Nodes).toBeGreaterThan(report.float32Nodes * 10);
    expect(report.casts).toBeGreaterThanOrEqual(2);
    const info = await readModelInfo(bytes);
    expect(info.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: ['batch', 3, 'height', 'width'] }]);
    expect(info.outputs[0].dtype).toBe('float32');
    expect(info.names).toHaveLength(80);
  });

  it('declares float16 IO when keepIoTypes is false', async () => {
    const info = await readModelInfo(onnxToFloat16(f32Model, { keepIoTypes: false }));
    expect(info.inputs[0].dtype).toBe('float16');
    expect(info.outputs[0].dtype).toBe('float16');
  });

  it('the converted model detects what the float32 model detects on bus.jpg and zidane.jpg (IoU >= 0.9, scores within 0.02)', async () => {
    await using f32 = await Detector.create(f32Model, { rect: false });
    await using f16 = await Detector.create(onnxToFloat16(f32Model), { rect: false });
    for (const image of ['images/bus.jpg', 'images/zidane.jpg']) {
      const a = await f32.detect(fixture(image));
      const b = await f16.detect(fixture(image));
      expect(a.length).toBeGreaterThanOrEqual(3);
      // Every confident float32 detection has its float16 twin; borderline ones (near conf) may cross over.
      const confident = (list: Detection[]) => list.filter((d) => d.score > 0.3);
      for (const [from, to] of [
        [confident(a), b],
        [confident(b), a],
      ] as const) {
        for (const d of from) {
          const twin = to.filter((e) => e.classId === d.classId).sort((x, y) => iou(y.box, d.box) - iou(x.box, d.box))[0];
          expect(twin, `${image}: ${d.className} ${d.score.toFixed(3)}`).toBeDefined();
          expect(iou(twin.box, d.box)).toBeGreaterThanOrEqual(0.9);
          expect(Math.abs(twin.score - d.score)).toBeLessThanOrEqual(0.02);
        }
      }
    }
  });

  it('refuses non-ONNX bytes and bad options', () => {
    expect(() => onnxToFloat16(new TextEncoder().encode('nope'))).toThrow(TrtjsError);
    try {
      onnxToFloat16(new TextEncoder().encode('nope'));
    } catch (e) {
      expect((e as TrtjsError).code).toBe('ERR_BAD_MODEL');
    }
    expect(() => onnxToFloat16(f32Model, { blockOps: 'Resize' as never })).toThrow(/options.blockOps must be an array of op type names/);
    expect(() => onnxToFloat16('model.onnx' as never)).toThrow(/must be a Uint8Array/);
  });
});

describe('onnxToFloat16 on graphs TensorRT 11 would otherwise misbuild or ONNX Runtime refuse', async () => {
  const { createRequire } = await import('node:module');
  const ort = await import('onnxruntime-node');
  const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');
  type Node = { opType: string; input: string[]; output: string[]; attribute?: Array<Record<string, unknown>> };
  const FLOAT = 1;
  const vi = (name: string, shape: number[], elemType = FLOAT) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
  const init = (name: string, dims: number[], values: number[]) => ({ name, dataType: FLOAT, dims, floatData: values });
  const model = (nodes: Node[], inputs: ReturnType<typeof vi>[], outputs: ReturnType<typeof vi>[], initializer: ReturnType<typeof init>[] = [], opset = 18) =>
    onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: opset }],
        graph: { name: 'g', node: nodes.map((n, i) => ({ name: `n${i}`, ...n })), input: inputs, output: outputs, initializer },
      }),
    ).finish();
  const decode = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!;
  /** The element type each tensor has in the converted graph (initializers, casts, constants), for structure checks. */
  const producers = (g: ReturnType<typeof decode>) => {
    const types = new Map<string, number>();
    for (const t of g.initializer ?? []) types.set(t.name!, t.dataType!);
    for (const n of g.node ?? []) {
      if (n.opType === 'Cast') types.set(n.output![0], Number(n.attribute!.find((a) => a.name === 'to')!.i));
      if (n.opType === 'Constant') types.set(n.output![0], n.attribute![0].t!.dataType!);
    }
    return types;
  };
  const run = async (bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>) => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
    return out[session.outputNames[0]].data as Float32Array;
  };
  const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3);
  const closeTo = (a: Float32Array, b: Float32Array, tol: number) => {
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
    expect(worst).toBeLessThanOrEqual(tol);
  };

  it('keeps LayerNormalization in float32 (fed float32, its scale and bias float32) and matches float32 in ONNX Runtime', async () => {
    const m = model(
      [
        { opType: 'Mul', input: ['x', 'w'], output: ['a'] },
        {
          opType: 'LayerNormalization',
          input: ['a', 'gamma', 'beta'],
          output: ['n'],
          attribute: [
            { name: 'axis', type: 2, i: -1 },
            { name: 'epsilon', type: 1, f: 1e-5 },
          ],
        },
        { opType: 'Add', input: ['n', 'c'], output: ['y'] },
      ],
      [vi('x', [1, 4, 64])],
      [vi('y', [1, 4, 64])],
      [
        init('w', [64], Array.from(random(64, 1))),
        init('gamma', [64], Array.from(random(64, 2))),
        init('beta', [64], Array.from(random(64, 3))),
        init('c', [1], [0.5]),
      ],
    );
    const converted = onnxToFloat16(m);
    const g = decode(converted);
    const ln = g.node!.find((n) => n.opType === 'LayerNormalization')!;
    const types = producers(g);
    expect(ln.input!.map((i) => types.get(i))).toEqual([FLOAT, FLOAT, FLOAT]);
    expect(types.get('w')).toBe(10); // the Mul before it still runs in float16
    const x = { x: { data: random(256, 4), dims: [1, 4, 64] } };
    closeTo(await run(converted, x), await run(m, x), 0.02);
  });

  it('finds LayerNorm written out as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div and keeps that chain float32', async () => {
    const axes = { name: 'axes', type: 7, ints: [-1] };
    const m = model(
      [
        { opType: 'Mul', input: ['x', 'w'], output: ['a'] },
        { opType: 'ReduceMean', input: ['a'], output: ['mean'], attribute: [axes] },
        { opType: 'Sub', input: ['a', 'mean'], output: ['d'] },
        { opType: 'Pow', input: ['d', 'two'], output: ['sq'] },
        { opType: 'ReduceMean', input: ['sq'], output: ['var'], attribute: [axes] },
        { opType: 'Add', input: ['var', 'eps'], output: ['ve'] },
        { opType: 'Sqrt', input: ['ve'], output: ['std'] },
        { opType: 'Div', input: ['d', 'std'], output: ['n'] },
        { opType: 'Mul', input: ['n', 'gamma'], output: ['y'] },
      ],
      [vi('x', [2, 3, 32])],
      [vi('y', [2, 3, 32])],
      [init('w', [32], Array.from(random(32, 5))), init('two', [], [2]), init('eps', [], [1e-5]), init('gamma', [32], Array.from(random(32, 6)))],
      17,
    );
    const converted = onnxToFloat16(m);
    const g = decode(converted);
    const types = producers(g);
    for (const op of ['ReduceMean', 'Sub', 'Pow', 'Add', 'Sqrt', 'Div']) {
      for (const n of g.node!.filter((x) => x.opType === op)) {
        for (const i of n.input!) if (types.has(i)) expect(types.get(i), `${op} reads ${i}`).toBe(FLOAT);
      }
    }
    expect(types.get('gamma')).toBe(10); // the scale after the chain is an ordinary float16 Mul
    const x = { x: { data: random(192, 7), dims: [2, 3, 32] } };
    closeTo(await run(converted, x), await run(m, x), 0.02);
  });

  it("leaves a Resize's constant scales float32 and uncast, converting constants only for float16 readers", async () => {
    const m = model(
      [
        { opType: 'Mul', input: ['x', 'w'], output: ['a'] },
        {
          opType: 'Constant',
          input: [],
          output: ['scales'],
          attribute: [{ name: 'value', type: 4, t: { dataType: FLOAT, dims: [4], floatData: [1, 1, 2, 2] } }],
        },
        { opType: 'Resize', input: ['a', '', 'scales'], output: ['y'], attribute: [{ name: 'mode', type: 3, s: new TextEncoder().encode('nearest') }] },
      ],
      [vi('x', [1, 1, 4, 4])],
      [vi('y', [1, 1, 8, 8])],
      [init('w', [1], [2])],
    );
    const converted = onnxToFloat16(m);
    const g = decode(converted);
    const resize = g.node!.find((n) => n.opType === 'Resize')!;
    expect(resize.input![2]).toBe('scales');
    expect(g.node!.find((n) => n.output![0] === 'scales')!.attribute![0].t!.dataType).toBe(FLOAT);
    expect(g.node!.filter((n) => n.opType === 'Cast').map((n) => n.input![0])).not.toContain('scales');
    const x = { x: { data: random(16, 8), dims: [1, 1, 4, 4] } };
    closeTo(await run(converted, x), await run(m, x), 0.01);
  });

  it('gives ConstantOfShape without a value, EyeLike asking for float32 and RandomNormal float16-consistent outputs', async () => {
    const m = model(
      [
        { opType: 'Mul', input: ['x', 'w'], output: ['a'] },
        { opType: 'Shape', input: ['a'], output: ['s'] },
        { opType: 'ConstantOfShape', input: ['s'], output: ['zeros'] },
        { opType: 'Add', input: ['a', 'zeros'], output: ['b'] },
        { opType: 'EyeLike', input: ['b'], output: ['eye'], attribute: [{ name: 'dtype', type: 2, i: FLOAT }] },
        { opType: 'Add', input: ['b', 'eye'], output: ['c'] },
        {
          opType: 'RandomNormal',
          input: [],
          output: ['r'],
          attribute: [
            { name: 'shape', type: 7, ints: [3, 3] },
            { name: 'mean', type: 1, f: 5 },
            { name: 'scale', type: 1, f: 1e-20 },
          ],
        },
        { opType: 'Add', input: ['c', 'r'], output: ['y'] },
      ],
      [vi('x', [3, 3])],
      [vi('y', [3, 3])],
      [init('w', [1], [3])],
    );
    const converted = onnxToFloat16(m);
    const x = random(9, 9);
    const y = await run(converted, { x: { data: x, dims: [3, 3] } });
    // Independently: 3x + I + 5.
    closeTo(
      y,
      Float32Array.from(x, (v, i) => 3 * v + (i % 4 === 0 ? 1 : 0) + 5),
      0.01,
    );
  });

  it('casts what a kept-float32 If reads from outside its branches, so both branches stay float32', async () => {
    const branch = (op: string) => ({ name: op, node: [{ opType: op, input: ['a'], output: [`${op}_out`], name: op }], output: [vi(`${op}_out`, [2, 2])] });
    const m = model(
      [
        { opType: 'Mul', input: ['x', 'w'], output: ['a'] },
        { opType: 'Constant', input: [], output: ['cond'], attribute: [{ name: 'value', type: 4, t: { dataType: 9, dims: [], int32Data: [1] } }] },
        {
          opType: 'If',
          input: ['cond'],
          output: ['picked'],
          attribute: [
            { name: 'then_branch', type: 5, g: branch('Identity') },
            { name: 'else_branch', type: 5, g: branch('Neg') },
          ],
        },
        { opType: 'Add', input: ['picked', 'a'], output: ['y'] },
      ],
      [vi('x', [2, 2])],
      [vi('y', [2, 2])],
      [init('w', [1], [1.5])],
    );
    const converted = onnxToFloat16(m);
    const g = decode(converted);
    const read = g.node!.find((n) => n.opType === 'If')!.attribute!.find((a) => a.name === 'then_branch')!.g!.node![0].input![0];
    expect(read).toBe('a_trtjs_fp32');
    const x = random(4, 10);
    closeTo(
      await run(converted, { x: { data: x, dims: [2, 2] } }),
      Float32Array.from(x, (v) => 3 * v),
      0.01,
    );
  });
});
