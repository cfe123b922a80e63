/**
 * Element types of every tensor in an ONNX graph, inferred without shapes: enough to know which tensors are
 * float32 when rewriting a graph. value_info, graph inputs/outputs and initializers are taken as given; node
 * outputs follow each op's type rule, else the type of the node's first typed input.
 */
import type { onnx } from 'onnx-proto';

export const FLOAT = 1;
export const UINT8 = 2;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;
export const FLOAT16 = 10;

const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

/** The element type of a Constant/ConstantOfShape value, or undefined. */
function constantType(node: onnx.INodeProto): number | undefined {
  const value = attr(node, 'value');
  if (value?.t) return value.t.dataType ?? undefined;
  if (attr(node, 'value_float') || attr(node, 'value_floats')) return FLOAT;
  if (attr(node, 'value_int') || attr(node, 'value_ints')) return INT64;
  return undefined;
}

export function inferElementTypes(graph: onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  const declare = (v: onnx.IValueInfoProto) => {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) types.set(v.name, t);
  };
  graph.input?.forEach(declare);
  graph.output?.forEach(declare);
  graph.valueInfo?.forEach(declare);
  for (const t of graph.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);

  for (const node of graph.node ?? []) {
    const outs = node.output ?? [];
    const inType = (i: number) => (node.input?.[i] ? types.get(node.input[i]) : undefined);
    const firstTyped = (node.input ?? []).map((n) => types.get(n)).find((t) => t !== undefined);
    const rule = (index: number): number | undefined => {
      const op = node.opType ?? '';
      if (op === 'Cast') return Number(attr(node, 'to')?.i ?? 0) || undefined;
      if (op === 'CastLike') return inType(1);
      if (op === 'Constant') return constantType(node);
      if (op === 'ConstantOfShape') return constantType(node) ?? FLOAT;
      if (BOOL_OPS.has(op)) return BOOL;
      if (INT64_OPS.has(op)) return INT64;
      if (op === 'Where') return inType(1) ?? inType(2);
      if ((op === 'TopK' || op === 'MaxPool') && index === 1) return INT64;
      if (op === 'DynamicQuantizeLinear') return index === 1 ? FLOAT : UINT8;
      if (op === 'QuantizeLinear') return inType(2) ?? UINT8;
      if (op === 'DequantizeLinear') return inType(1) ?? FLOAT;
      if (op === 'ConvInteger' || op === 'MatMulInteger') return INT32;
      if (op === 'RandomNormal' || op === 'RandomUniform') return Number(attr(node, 'dtype')?.i ?? FLOAT);
      if (op === 'EyeLike' || op === 'RandomNormalLike' || op === 'RandomUniformLike') return Number(attr(node, 'dtype')?.i ?? 0) || inType(0);
      // Control flow: the types the body declares for its outputs (a Loop's body output 0 is its condition).
      if (op === 'If') return attr(node, 'then_branch')?.g?.output?.[index]?.type?.tensorType?.elemType ?? undefined;
      if (op === 'Loop') return attr(node, 'body')?.g?.output?.[index + 1]?.type?.tensorType?.elemType ?? undefined;
      if (op === 'Scan') return attr(node, 'body')?.g?.output?.[index]?.type?.tensorType?.elemType ?? undefined;
      return firstTyped;
    };
    outs.forEach((name, i) => {
      if (!name || types.has(name)) return;
      const t = rule(i);
      if (t !== undefined) types.set(name, t);
    });
  }
  return types;
}
