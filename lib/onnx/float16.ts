/**
 * ONNX float32 → float16 conversion, for FP16 engines on TensorRT 11 (strongly typed networks have no FP16
 * builder flag: the graph's own types decide). Weights, constants and activations become float16; graph
 * inputs/outputs stay float32 behind Cast nodes unless asked; ops that must or should stay float32 are fed
 * through Casts.
 */
import { TrtjsError } from '../errors.js';
import type { onnx } from 'onnx-proto';

import { decodeOnnx, onnx as proto } from '../model/onnx-info.js';
import * as check from '../util/validate.js';
import { FLOAT, FLOAT16, inferElementTypes } from './dtypes.js';
import { floatToHalf } from './half.js';

/**
 * Ops kept in float32 entirely: no float16 kernel in the ONNX spec (Range), index/geometry math where
 * half precision changes results (NonMaxSuppression, RoiAlign, TopK, CumSum), random generators, control flow (whose
 * bodies stay float32), and normalizations: their mean and variance lose too much in float16, and TensorRT 11, which
 * builds strongly typed networks only, no longer lets a layer compute in a wider type than its inputs, so they must
 * be fed float32 (TensorRT up to 10 kept them in float32 by itself). Their decomposed forms (ReduceMean, Sub, Pow,
 * ReduceMean, Add, Sqrt, Div, as older exporters write LayerNorm) are found and kept float32 too.
 */
export const DEFAULT_FLOAT32_OPS: readonly string[] = [
  'Range',
  'NonMaxSuppression',
  'RoiAlign',
  'TopK',
  'CumSum',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Bernoulli',
  'Upsample',
  'If',
  'Loop',
  'Scan',
  'LayerNormalization',
  'GroupNormalization',
  'InstanceNormalization',
  'MeanVarianceNormalization',
  'LpNormalization',
];

/** Ops whose output is fixed when their graph is built: converted only when a consumer computes in float16. */
const CONSTANT_OPS = new Set(['Constant', 'ConstantOfShape']);

/** Attributes holding a subgraph (If's branches, Loop's and Scan's bodies). */
function subgraphsOf(n: onnx.INodeProto): onnx.IGraphProto[] {
  const out: onnx.IGraphProto[] = [];
  for (const a of n.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/** Names a subgraph (and the subgraphs inside it) reads from the scopes around it. */
function outerNames(g: onnx.IGraphProto): Set<string> {
  const local = new Set<string>([...(g.input ?? []).map((i) => i.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  const out = new Set<string>();
  for (const n of g.node ?? []) {
    for (const name of n.input ?? []) if (name && !local.has(name)) out.add(name);
    for (const sub of subgraphsOf(n)) for (const name of outerNames(sub)) if (!local.has(name)) out.add(name);
    for (const o of n.output ?? []) if (o) local.add(o);
  }
  for (const o of g.output ?? []) if (o.name && !local.has(o.name)) out.add(o.name);
  return out;
}

/** Renames what a subgraph (and those inside it) reads from outside: `from` becomes `to`, where not shadowed. */
function renameOuter(g: onnx.IGraphProto, from: string, to: string): void {
  const local = new Set<string>([...(g.input ?? []).map((i) => i.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  if (local.has(from)) return;
  for (const n of g.node ?? []) {
    n.input = (n.input ?? []).map((x) => (x === from ? to : x));
    for (const sub of subgraphsOf(n)) renameOuter(sub, from, to);
    if ((n.output ?? []).includes(from)) return; // shadowed from here on
  }
  for (const o of g.output ?? []) if (o.name === from) o.name = to;
}

/**
 * The nodes of normalizations written out as elementwise ops (LayerNorm before opset 17, GroupNorm and InstanceNorm
 * as exporters decompose them): mean = ReduceMean(x); d = Sub(x, mean); Pow(d, 2) or Mul(d, d); var = ReduceMean;
 * Add(var, eps); Sqrt; then Div(d, sqrt) or Mul(d, Reciprocal(sqrt)).
 */
function decomposedNormalizations(nodes: onnx.INodeProto[]): Set<onnx.INodeProto> {
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const uses = (name: string | undefined, op: string, test: (n: onnx.INodeProto) => boolean = () => true) =>
    (name ? (consumers.get(name) ?? []) : []).filter((n) => n.opType === op && test(n));
  const out = new Set<onnx.INodeProto>();
  for (const mean of nodes) {
    if (mean.opType !== 'ReduceMean') continue;
    const x = mean.input?.[0];
    for (const sub of uses(mean.output?.[0], 'Sub', (n) => n.input?.[0] === x)) {
      const d = sub.output?.[0];
      const squares = [...uses(d, 'Pow', (n) => n.input?.[0] === d), ...uses(d, 'Mul', (n) => n.input?.[0] === d && n.input?.[1] === d)];
      for (const square of squares) {
        for (const variance of uses(square.output?.[0], 'ReduceMean')) {
          for (const add of uses(variance.output?.[0], 'Add')) {
            for (const sqrt of uses(add.output?.[0], 'Sqrt')) {
              const chain = [mean, sub, square, variance, add, sqrt];
              for (const div of uses(sqrt.output?.[0], 'Div', (n) => n.input?.[0] === d && n.input?.[1] === sqrt.output?.[0])) {
                for (const c of [...chain, div]) out.add(c);
              }
              for (const rec of uses(sqrt.output?.[0], 'Reciprocal')) {
                for (const mul of uses(rec.output?.[0], 'Mul', (n) => (n.input ?? []).includes(d ?? ''))) {
                  for (const c of [...chain, rec, mul]) out.add(c);
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Inputs that the ONNX spec types as float32 whatever the data type (Resize's roi and scales). */
const FLOAT32_INPUTS: Record<string, number[]> = { Resize: [1, 2] };

export interface Float16Options {
  /** Keep float32 graph inputs and outputs (Casts inside the graph). Default true. */
  keepIoTypes?: boolean;
  /** Ops to keep in float32, added to {@link DEFAULT_FLOAT32_OPS}. */
  blockOps?: string[];
}

export interface Float16Report {
  /** Initializers converted to float16. */
  initializers: number;
  /** Nodes computing in float16 now. */
  float16Nodes: number;
  /** Nodes kept in float32 (blocked ops). */
  float32Nodes: number;
  /** Cast nodes inserted. */
  casts: number;
}

function toHalfBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return new Uint8Array(out.buffer);
}

function floatsOf(t: onnx.ITensorProto): Float32Array {
  if (t.rawData?.length) {
    const raw = t.rawData;
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** Rewrites a float32 TensorProto as float16 in place. */
function convertTensor(t: onnx.ITensorProto): void {
  if (t.dataType !== FLOAT) return;
  if (t.dataLocation === 1) throw new TrtjsError('ERR_BAD_MODEL', `onnxToFloat16: tensor '${t.name}' uses external data, which is not supported`);
  t.rawData = toHalfBytes(floatsOf(t));
  t.floatData = [];
  t.dataType = FLOAT16;
}

/**
 * Converts an ONNX model to float16 and returns the new model's bytes.
 *
 * @example
 * ```ts
 * const fp16 = onnxToFloat16(readFileSync('yolov8n.onnx'));            // float32 in/out, float16 inside
 * const { bytes, report } = onnxToFloat16WithReport(model, { keepIoTypes: false });
 * ```
 */
export function onnxToFloat16(bytes: Uint8Array, options?: Float16Options): Uint8Array {
  return onnxToFloat16WithReport(bytes, options).bytes;
}

export function onnxToFloat16WithReport(bytes: Uint8Array, options?: Float16Options): { bytes: Uint8Array; report: Float16Report } {
  if (!(bytes instanceof Uint8Array)) check.fail('onnxToFloat16: bytes', 'a Uint8Array/Buffer of an ONNX model', bytes);
  const o = check.options<Float16Options>('onnxToFloat16: options', options);
  const keepIoTypes = check.optional(o.keepIoTypes, true, (v) => check.boolean('onnxToFloat16: options.keepIoTypes', v));
  const extra = check.optional(o.blockOps, [] as string[], (v) => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) check.fail('onnxToFloat16: options.blockOps', 'an array of op type names', v);
    return v as string[];
  });
  const blocked = new Set([...DEFAULT_FLOAT32_OPS, ...extra]);

  const model = decodeOnnx(bytes, 'onnxToFloat16');
  const graph = model.graph!;
  const types = inferElementTypes(graph);
  const isFloat = (name: string) => types.get(name) === FLOAT;
  const report: Float16Report = { initializers: 0, float16Nodes: 0, float32Nodes: 0, casts: 0 };

  const graphInputs = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));

  // 1. Which float tensors become float16: outputs of non-blocked nodes, initializers and constants that a float16
  //    consumer reads, and (unless kept) graph inputs. Blocked nodes' outputs stay float32.
  const half = new Set<string>();
  const blockedNodes = decomposedNormalizations(graph.node ?? []);
  const nodeIsHalf = (n: onnx.INodeProto) => !blocked.has(n.opType ?? '') && !blockedNodes.has(n);
  for (const n of graph.node ?? []) {
    if (!nodeIsHalf(n) || CONSTANT_OPS.has(n.opType ?? '')) continue;
    for (const out of n.output ?? []) if (out && isFloat(out)) half.add(out);
  }
  for (const name of graphInputs) if (!keepIoTypes && isFloat(name) && !initializers.has(name)) half.add(name);

  // Initializers and constants: float16 when some float16 consumer reads them in a float16 position (a Resize's
  // scales stay float32, with no Cast, so TensorRT's parser still sees constant scales).
  const consumers = new Map<string, Array<{ node: onnx.INodeProto; index: number }>>();
  for (const n of graph.node ?? [])
    (n.input ?? []).forEach((name, index) => {
      name && consumers.set(name, [...(consumers.get(name) ?? []), { node: n, index }]);
    });
  const wantsFloat32 = (node: onnx.INodeProto, index: number) => !nodeIsHalf(node) || (FLOAT32_INPUTS[node.opType ?? '']?.includes(index) ?? false);
  const readInFloat16 = (name: string) => (consumers.get(name) ?? []).some((u) => !wantsFloat32(u.node, u.index));
  for (const [name, t] of initializers) {
    if (t.dataType !== FLOAT) continue;
    if (readInFloat16(name)) {
      convertTensor(t);
      half.add(name);
      report.initializers++;
    }
  }
  for (const n of graph.node ?? []) {
    if (!CONSTANT_OPS.has(n.opType ?? '') || !nodeIsHalf(n)) continue;
    for (const out of n.output ?? []) if (out && isFloat(out) && readInFloat16(out)) half.add(out);
  }

  // 2. Rewrite nodes: attributes that fix an output type, then Casts where producer and consumer disagree.
  const newNodes: onnx.INodeProto[] = [];
  const castCache = new Map<string, string>();
  const cast = (name: string, to: number): string => {
    const key = `${name}->${to}`;
    const existing = castCache.get(key);
    if (existing) return existing;
    const out = `${name}_trtjs_${to === FLOAT16 ? 'fp16' : 'fp32'}`;
    newNodes.push(
      proto.NodeProto.create({
        opType: 'Cast',
        name: `trtjs_cast_${castCache.size}`,
        input: [name],
        output: [out],
        attribute: [{ name: 'to', type: proto.AttributeProto.AttributeType.INT, i: to }],
      }),
    );
    castCache.set(key, out);
    report.casts++;
    return out;
  };
  // Graph inputs kept float32 feed float16 consumers through one Cast each.
  for (const n of graph.node ?? []) {
    const outputsHalf = (n.output ?? []).some((x) => half.has(x));
    // A float constant only float32 readers read stays float32: counted with the kept nodes.
    const keptConstant = CONSTANT_OPS.has(n.opType ?? '') && !outputsHalf && (n.output ?? []).some((x) => isFloat(x));
    if (nodeIsHalf(n) && !keptConstant) {
      report.float16Nodes++;
      // ConstantOfShape without `value` makes float32 zeros: say float16 zeros.
      if (n.opType === 'ConstantOfShape' && outputsHalf && !(n.attribute ?? []).some((a) => a.name === 'value')) {
        n.attribute = [
          ...(n.attribute ?? []),
          proto.AttributeProto.create({
            name: 'value',
            type: proto.AttributeProto.AttributeType.TENSOR,
            t: proto.TensorProto.create({ dataType: FLOAT16, dims: [1], rawData: toHalfBytes([0]) }),
          }),
        ];
      }
      for (const a of n.attribute ?? []) {
        if (n.opType === 'Cast' && a.name === 'to' && Number(a.i) === FLOAT && outputsHalf) a.i = FLOAT16;
        // EyeLike (and any op whose `dtype` fixes its output) asked for float32: float16 now.
        if (a.name === 'dtype' && Number(a.i) === FLOAT && outputsHalf) a.i = FLOAT16;
        if ((n.opType === 'Constant' || n.opType === 'ConstantOfShape') && a.name === 'value' && a.t && outputsHalf) convertTensor(a.t);
        if (n.opType === 'Constant' && (a.name === 'value_float' || a.name === 'value_floats') && (n.output ?? []).some((x) => half.has(x))) {
          const scalar = a.name === 'value_float';
          const values = scalar ? [a.f ?? 0] : Array.from(a.floats ?? []);
          a.name = 'value';
          a.type = proto.AttributeProto.AttributeType.TENSOR;
          a.t = proto.TensorProto.create({ dataType: FLOAT16, dims: scalar ? [] : [values.length], rawData: toHalfBytes(values) });
          a.f = 0;
          a.floats = [];
        }
      }
    } else {
      report.float32Nodes++;
    }
    // What a kept-float32 node's subgraphs read from this graph must be float32 there too: cast before the node, and
    // the subgraphs read the cast.
    if (!nodeIsHalf(n)) {
      for (const sub of subgraphsOf(n)) {
        for (const name of outerNames(sub)) if (half.has(name)) renameOuter(sub, name, cast(name, FLOAT));
      }
    }
    n.input = (n.input ?? []).map((name, index) => {
      if (!name) return name;
      const isHalf = half.has(name);
      const floatTensor = isHalf || isFloat(name);
      if (!floatTensor) return name;
      // Cast's and CastLike's own inputs may be any type.
      if (n.opType === 'Cast' || (n.opType === 'CastLike' && index === 0)) return name;
      const needs32 = wantsFloat32(n, index);
      if (needs32 && isHalf) return cast(name, FLOAT);
      if (!needs32 && !isHalf) return cast(name, FLOAT16);
      return name;
    });
    newNodes.push(n);
  }

  // 3. Graph outputs: keep their float32 type behind a Cast, or declare them float16.
  for (const out of graph.output ?? []) {
    const name = out.name ?? '';
    if (!half.has(name)) continue;
    if (keepIoTypes) {
      const inner = `${name}_trtjs_fp16out`;
      for (const n of newNodes) {
        n.output = (n.output ?? []).map((x: string) => (x === name ? inner : x));
        n.input = (n.input ?? []).map((x: string) => (x === name ? inner : x));
      }
      newNodes.push(
        proto.NodeProto.create({
          opType: 'Cast',
          name: `trtjs_cast_out_${name}`,
          input: [inner],
          output: [name],
          attribute: [{ name: 'to', type: proto.AttributeProto.AttributeType.INT, i: FLOAT }],
        }),
      );
      report.casts++;
      half.delete(name);
      half.add(inner);
    } else if (out.type?.tensorType) {
      out.type.tensorType.elemType = FLOAT16;
    }
  }
  for (const input of graph.input ?? []) if (!keepIoTypes && half.has(input.name ?? '') && input.type?.tensorType) input.type.tensorType.elemType = FLOAT16;

  // Casts must come before their consumers: ONNX requires topological order, and every Cast reads a tensor
  // that exists before the node it was created for.
  graph.node = topologicalOrder(newNodes, new Set([...graphInputs, ...initializers.keys()]));
  for (const v of graph.valueInfo ?? []) if (half.has(v.name ?? '') && v.type?.tensorType?.elemType === FLOAT) v.type.tensorType.elemType = FLOAT16;
  return { bytes: proto.ModelProto.encode(model).finish(), report };
}

function topologicalOrder(nodes: onnx.INodeProto[], available: Set<string>): onnx.INodeProto[] {
  const ready = new Set(available);
  const out: onnx.INodeProto[] = [];
  // A node depends on its inputs and on what its subgraphs read from this graph.
  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  const needs = new Map(nodes.map((n) => [n, [...(n.input ?? []), ...subgraphsOf(n).flatMap((g) => [...outerNames(g)].filter((x) => produced.has(x)))]]));
  let pending = nodes;
  while (pending.length) {
    const next: onnx.INodeProto[] = [];
    for (const n of pending) {
      if (needs.get(n)!.every((i) => !i || ready.has(i))) {
        out.push(n);
        for (const o of n.output ?? []) ready.add(o);
      } else next.push(n);
    }
    if (next.length === pending.length) {
      // Inputs from outside (e.g. outer-scope names): keep the rest in their original order.
      out.push(...next);
      break;
    }
    pending = next;
  }
  return out;
}
