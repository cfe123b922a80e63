/**
 * The input shapes a benchmark runs (trtexec's --shapes and --batch) and the random data it feeds, checked against
 * the model before anything runs.
 */
import type { Tensor, TensorData } from '../backends/backend.js';
import type { Profile } from '../build/shapes.js';
import { parseShapesText } from '../build/shapes.js';
import { TrtjsError } from '../errors.js';
import type { ModelInfo, TensorDtype } from '../model/model-info.js';
import { floatToHalf } from '../onnx/half.js';

/** Shapes by input name: `{ images: [1, 3, 640, 640] }`, or trtexec's text `images:1x3x640x640`. */
export type BenchShapes = string | Record<string, number[]>;

const shapeError = (message: string) => new TrtjsError('ERR_SHAPE', message);
const dimsText = (d: readonly (number | string)[]) => `[${d.join(', ')}]`;

/** Parses and checks `shapes` for form only (names and ranks are checked against the model later). */
export function parseBenchShapes(shapes: BenchShapes | undefined): Record<string, number[]> | undefined {
  if (shapes === undefined) return undefined;
  if (typeof shapes === 'string') {
    const out: Record<string, number[]> = {};
    for (const [name, s] of Object.entries(parseShapesText(shapes))) {
      if (s.min.join() !== s.max.join()) throw shapeError(`shapes for '${name}': a benchmark runs one shape per input, got min,opt,max`);
      out[name] = s.opt;
    }
    return out;
  }
  if (typeof shapes !== 'object' || shapes === null || Array.isArray(shapes))
    throw shapeError(`shapes must be text like images:1x3x640x640 or { images: [1, 3, 640, 640] }, received ${JSON.stringify(shapes)}`);
  for (const [name, d] of Object.entries(shapes)) {
    if (!Array.isArray(d) || !d.length || !d.every((x) => Number.isInteger(x) && x > 0))
      throw shapeError(`shapes for '${name}' must be an array of positive integers, received ${JSON.stringify(d)}`);
  }
  return Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, [...v]]));
}

/**
 * The shape of every input: given ones checked against the model, dynamic dims filled with `batch` (dim 0), then
 * for engines the first profile's opt shape (as trtexec), for ONNX the metadata image size (else 640) for an image
 * input's height and width.
 * @throws ERR_SHAPE for unknown inputs, wrong ranks, fixed dims given other values, shapes no profile admits, and
 *   dynamic dims nothing fills
 */
export function resolveShapes(
  info: ModelInfo,
  given: Record<string, number[]> | undefined,
  batch: number | undefined,
  profiles?: Profile[],
): Record<string, number[]> {
  const names = new Set(info.inputs.map((i) => i.name));
  for (const name of Object.keys(given ?? {})) {
    if (!names.has(name)) throw shapeError(`shapes: the model has no input '${name}' (inputs: ${[...names].join(', ')})`);
  }
  const out: Record<string, number[]> = {};
  for (const input of info.inputs) {
    const fixed = (i: number) => typeof input.shape[i] === 'number' && (input.shape[i] as number) > 0;
    let dims = given?.[input.name];
    if (dims) {
      if (dims.length !== input.shape.length)
        throw shapeError(`shapes: input '${input.name}' has rank ${input.shape.length} ${dimsText(input.shape)}, received ${dims.join('x')}`);
      dims.forEach((d, i) => {
        if (fixed(i) && d !== input.shape[i])
          throw shapeError(`shapes: input '${input.name}' dimension ${i} is fixed at ${input.shape[i]} in the model, received ${dims!.join('x')}`);
      });
      if (batch !== undefined && dims[0] !== batch)
        throw shapeError(`batch ${batch} differs from the batch of the shape given for '${input.name}' (${dims.join('x')})`);
    } else {
      const opt = profiles?.[0]?.[input.name]?.opt;
      dims = input.shape.map((d, i) => {
        if (fixed(i)) return d as number;
        if (i === 0 && batch !== undefined) return batch;
        if (opt) return opt[i];
        if (i === 0) return 1;
        if (input.shape.length === 4 && (i === 2 || i === 3)) return (info.imgsz ?? [640, 640])[i - 2];
        throw shapeError(
          `input '${input.name}' ${dimsText(input.shape)} has a dynamic dimension ${i}: give its shape (e.g. --shapes ${input.name}:${input.shape.map((x) => (typeof x === 'number' && x > 0 ? x : 1)).join('x')})`,
        );
      });
      if (batch !== undefined && fixed(0) && input.shape[0] !== batch)
        throw shapeError(`batch ${batch}: input '${input.name}' has a fixed batch of ${input.shape[0]}`);
    }
    out[input.name] = dims;
  }
  if (profiles?.length && profiles.some((p) => Object.keys(p).length)) {
    const fits = (p: Profile) => Object.entries(p).every(([name, { min, max }]) => out[name]?.every((d, i) => d >= min[i] && d <= max[i]));
    if (!profiles.some(fits)) {
      const bounds = profiles
        .map(
          (p, i) =>
            `profile ${i}: ${Object.entries(p)
              .map(([n, { min, max }]) => `${n} ${min.join('x')}..${max.join('x')}`)
              .join(', ')}`,
        )
        .join('; ');
      throw shapeError(
        `no optimization profile of the engine admits ${Object.entries(out)
          .map(([n, d]) => `${n} ${d.join('x')}`)
          .join(', ')} (${bounds})`,
      );
    }
  }
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (a 32-bit LCG): the same inputs run after run. */
function randoms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Random data for each input (floats in [0, 1), small integers, booleans), as trtexec feeds by default. */
export function randomFeeds(info: ModelInfo, shapes: Record<string, number[]>, seed = 1): Record<string, Tensor> {
  const next = randoms(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of info.inputs) {
    const dims = shapes[input.name];
    const n = dims.reduce((a, d) => a * d, 1);
    feeds[input.name] = { dtype: input.dtype, dims, data: fill(input.dtype, n, next, input.name) };
  }
  return feeds;
}

function fill(dtype: TensorDtype, n: number, next: () => number, name: string): TensorData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: n }, next);
    case 'float64':
      return Float64Array.from({ length: n }, next);
    case 'float16':
      return Uint16Array.from({ length: n }, () => floatToHalf(next()));
    case 'uint8':
      return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
    case 'bool':
      return Uint8Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1));
    case 'int8':
      return Int8Array.from({ length: n }, () => Math.floor(next() * 10));
    case 'int32':
      return Int32Array.from({ length: n }, () => Math.floor(next() * 10));
    case 'int64':
      return BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 10)));
    default:
      throw new TrtjsError('ERR_BAD_MODEL', `input '${name}' is ${dtype}, which trtjs cannot feed`);
  }
}
