import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

/**
 * A minimal valid ONNX model: `images` float32 [1, 3, h, w] reshaped to `output0` of `outShape`, with optional
 * metadata. Lets tests build models with outputs no YOLO head has.
 */
export function reshapeModel(h: number, w: number, outShape: number[], metadata: Record<string, string> = {}): Uint8Array {
  const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ dimValue: d })) });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'trtjs-test',
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'reshape',
      node: [{ opType: 'Reshape', input: ['images', 'shape'], output: ['output0'], name: 'r' }],
      initializer: [{ name: 'shape', dataType: 7, dims: [outShape.length], int64Data: outShape }],
      input: [{ name: 'images', type: { tensorType: { elemType: 1, shape: dims([1, 3, h, w]) } } }],
      output: [{ name: 'output0', type: { tensorType: { elemType: 1, shape: dims(outShape) } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
