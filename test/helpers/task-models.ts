import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

export interface ConstantOutput {
  name: string;
  dims: number[];
  data: Float32Array;
}

/**
 * A small valid ONNX model whose outputs are fixed tensors (plus 0 x the mean of the input, so the input is used):
 * `images` float32 [1, 3, h, w] in, the given outputs out, with Ultralytics-style metadata. Lets tests run a task's
 * whole path (backend, layout, decoding) on head outputs whose expected results they derive themselves.
 */
export function constantModel(h: number, w: number, outputs: ConstantOutput[], metadata: Record<string, string> = {}): Uint8Array {
  const shape = (dims: number[]) => ({ dim: dims.map((d) => ({ dimValue: d })) });
  const nodes: object[] = [
    { opType: 'ReduceMean', input: ['images'], output: ['mean'], name: 'mean', attribute: [{ name: 'keepdims', type: 2, i: 0 }] },
    { opType: 'Mul', input: ['mean', 'zero'], output: ['nothing'], name: 'nothing' },
  ];
  const initializer: object[] = [{ name: 'zero', dataType: 1, dims: [], floatData: [0] }];
  for (const o of outputs) {
    initializer.push({
      name: `${o.name}_value`,
      dataType: 1,
      dims: o.dims,
      rawData: new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength).slice(),
    });
    nodes.push({ opType: 'Add', input: [`${o.name}_value`, 'nothing'], output: [o.name], name: `${o.name}_add` });
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'trtjs-test',
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'constant',
      node: nodes,
      initializer,
      input: [{ name: 'images', type: { tensorType: { elemType: 1, shape: shape([1, 3, h, w]) } } }],
      output: outputs.map((o) => ({ name: o.name, type: { tensorType: { elemType: 1, shape: shape(o.dims) } } })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Ultralytics' `names` metadata for n classes: "{0: 'c0', 1: 'c1', ...}". */
export function namesLiteral(names: string[]): string {
  return `{${names.map((n, i) => `${i}: '${n}'`).join(', ')}}`;
}

/**
 * A classifier of the dominant colour, with Ultralytics classification metadata: the mean of each input channel
 * (R, G, B), reordered by `order` (default blue, green, red), x20, softmax, over classes ['blue', 'green', 'red'].
 * Its answer depends on every pixel the pre-processing produced, so a wrong transform shows. `batch: 'dynamic'`
 * gives a dynamic batch dimension, `dynamicSize` dynamic height and width (`size` is then the imgsz metadata).
 */
export function colourClassifier(
  options: { size?: number; batch?: number | 'dynamic'; dynamicSize?: boolean; order?: [number, number, number] } = {},
): Uint8Array {
  const size = options.size ?? 32;
  const batch = options.batch ?? 1;
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const shape = (d: Array<number | string>) => ({ dim: d.map(dim) });
  const b = batch === 'dynamic' ? 'batch' : batch;
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      metadataProps: Object.entries({
        task: 'classify',
        names: namesLiteral(['blue', 'green', 'red']),
        imgsz: `[${size}, ${size}]`,
        batch: String(batch === 'dynamic' ? 1 : batch),
      }).map(([key, value]) => ({ key, value })),
      graph: {
        name: 'colour',
        node: [
          { opType: 'GlobalAveragePool', input: ['images'], output: ['pool'] },
          { opType: 'Flatten', input: ['pool'], output: ['flat'] },
          { opType: 'Gather', input: ['flat', 'order'], output: ['ordered'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
          { opType: 'Mul', input: ['ordered', 'gain'], output: ['logits'] },
          { opType: 'Softmax', input: ['logits'], output: ['output0'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
        ],
        initializer: [
          { name: 'order', dataType: 7, dims: [3], int64Data: options.order ?? [2, 1, 0] },
          { name: 'gain', dataType: 1, dims: [], floatData: [20] },
        ],
        input: [{ name: 'images', type: { tensorType: { elemType: 1, shape: shape(options.dynamicSize ? [b, 3, 'height', 'width'] : [b, 3, size, size]) } } }],
        output: [{ name: 'output0', type: { tensorType: { elemType: 1, shape: shape([b, 3]) } } }],
      },
    }),
  ).finish();
}

/**
 * A pose model (`kpt_shape` [17, 3], one class) on a size x size input whose head holds two people: one at
 * (cx, cy, w, h) = (0.5, 0.5, 0.5, 0.8) x size with score 0.9, its keypoints on a grid inside its box (visibility
 * 0.9, keypoint 16's 0.1), and one at score 0.1 (below the default conf).
 */
export function poseModel(size = 64): Uint8Array {
  const A = 2;
  const C = 5 + 17 * 3;
  const out = new Float32Array(C * A);
  const set = (c: number, a: number, v: number) => (out[c * A + a] = v);
  [
    [0.5, 0.5, 0.5, 0.8, 0.9],
    [0.3, 0.3, 0.2, 0.2, 0.1],
  ].forEach((row, a) => {
    row.forEach((v, c) => {
      set(c, a, c < 4 ? v * size : v);
    });
    for (let j = 0; j < 17; j++) {
      set(5 + j * 3, a, size * (0.3 + 0.1 * (j % 5)));
      set(5 + j * 3 + 1, a, size * (0.15 + 0.18 * Math.floor(j / 5)));
      set(5 + j * 3 + 2, a, j === 16 ? 0.1 : 0.9);
    }
  });
  return constantModel(size, size, [{ name: 'output0', dims: [1, C, A], data: out }], {
    task: 'pose',
    kpt_shape: '[17, 3]',
    names: namesLiteral(['person']),
    imgsz: `[${size}, ${size}]`,
    stride: '32',
  });
}

/**
 * An obb model (classes plane, ship) on a size x size input whose head holds two rotated boxes, rows (cx, cy, w, h
 * as fractions of size, class, score, angle): (0.5, 0.5, 0.6, 0.25, plane, 0.9, 0.5) and (0.25, 0.75, 0.15, 0.15,
 * ship, 0.6, 0.2); `shift` moves the first box right by that fraction of size.
 */
export function obbModel(size = 64, shift = 0): Uint8Array {
  const rows = [
    [0.5 + shift, 0.5, 0.6, 0.25, 0, 0.9, 0.5],
    [0.25, 0.75, 0.15, 0.15, 1, 0.6, 0.2],
  ];
  const A = rows.length;
  const out = new Float32Array(7 * A);
  rows.forEach(([cx, cy, w, h, cls, score, angle], a) => {
    [cx, cy, w, h].forEach((v, c) => {
      out[c * A + a] = v * size;
    });
    out[(4 + cls) * A + a] = score;
    out[6 * A + a] = angle;
  });
  return constantModel(size, size, [{ name: 'output0', dims: [1, 7, A], data: out }], {
    task: 'obb',
    names: namesLiteral(['plane', 'ship']),
    imgsz: `[${size}, ${size}]`,
    stride: '32',
  });
}
