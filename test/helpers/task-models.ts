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
    initializer.push({ name: `${o.name}_value`, dataType: 1, dims: o.dims, rawData: new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength).slice() });
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
