import { LIMITS, PREDICT } from '../defaults.js';
import { BadInputError, callNative } from '../errors.js';
import type { Tensor } from '../backends/backend.js';
import { addon, type NativeDecodeParams } from '../native/binding.js';
import * as check from '../util/validate.js';
import type { Detections } from './detections.js';

/**
 * YOLO detection heads:
 * - 'yolov5': anchor-based with objectness, `[B, N, 5+nc]` (cx, cy, w, h, obj, class scores);
 * - 'yolov8': anchor-free `[B, 4+nc, N]` as Ultralytics exports it (YOLOv8, YOLO11, …), or transposed `[B, N, 4+nc]`;
 * - 'end2end': NMS-free `[B, N, 6]` (x1, y1, x2, y2, score, class): YOLOv10, YOLO26, `nms=True` exports.
 */
export type HeadFormat = 'yolov5' | 'yolov8' | 'end2end';

/** Options with Ultralytics predict's names and defaults. */
export interface DecodeOptions {
  /** Head format; 'auto' (default) picks it from the shape, `nc`/`names` and `end2end`. */
  format?: HeadFormat | 'auto';
  /** Number of classes (default: `names.length`, else inferred from the shape). */
  nc?: number;
  /** Class names from the model metadata; only their count is used here. */
  names?: ArrayLike<string> | Record<number, string>;
  /** The model's `end2end` metadata flag. */
  end2end?: boolean;
  /** Confidence threshold (kept when score > conf). Default 0.25. */
  conf?: number;
  /** NMS IoU threshold. Default 0.7. */
  iou?: number;
  /** Maximum detections per image. Default 300. */
  maxDet?: number;
  /** Maximum boxes entering NMS. Default 30000. */
  maxNms?: number;
  /** Keep only these class ids. */
  classes?: ArrayLike<number>;
  /** Class-agnostic NMS. Default false. */
  agnostic?: boolean;
  /** Several labels per box (one per class above `conf`). Default false. */
  multiLabel?: boolean;
}

const FORMATS: Array<HeadFormat | 'auto'> = ['auto', 'yolov5', 'yolov8', 'end2end'];

interface Layout {
  format: HeadFormat;
  channelsFirst: boolean;
  nc: number;
}

/** Picks the head from the shape of one batch item ([rows, cols]) and what the metadata says. */
export function detectHeadLayout(rows: number, cols: number, format: HeadFormat | 'auto', nc: number | undefined, end2end: boolean | undefined): Layout {
  const shape = `[${rows}, ${cols}]`;
  const fail = (why: string): never => {
    throw new BadInputError(`decode: output shape [B, ${rows}, ${cols}] matches no known YOLO head: ${why}`);
  };
  const want = format === 'auto' ? undefined : format;
  if (want === 'end2end' || (want === undefined && (end2end === true || (cols === 6 && rows > 6 && nc !== 2)))) {
    if (cols < 6) fail(`an end-to-end head has rows of at least 6 values (x1, y1, x2, y2, score, class), got ${shape}`);
    return { format: 'end2end', channelsFirst: false, nc: nc ?? 0 };
  }
  if (want === 'yolov5' || (want === undefined && nc !== undefined && cols === 5 + nc && rows > cols)) {
    const n = nc ?? cols - 5;
    if (cols !== 5 + n || n < 1) fail(`a YOLOv5 head has 5 + nc (${5 + n}) values per row`);
    return { format: 'yolov5', channelsFirst: false, nc: n };
  }
  if (want === 'yolov8' || want === undefined) {
    if (nc !== undefined) {
      if (rows >= 4 + nc && rows < cols) return { format: 'yolov8', channelsFirst: true, nc };
      if (cols >= 4 + nc && cols < rows) return { format: 'yolov8', channelsFirst: false, nc };
      if (rows === 4 + nc) return { format: 'yolov8', channelsFirst: true, nc };
      if (cols === 4 + nc) return { format: 'yolov8', channelsFirst: false, nc };
      return fail(`with ${nc} classes a YOLOv8 head has ${4 + nc} channels and a YOLOv5 head ${5 + nc}`);
    }
    // Ultralytics exports are channels-first ([4+nc, anchors], fewer channels than anchors).
    if (rows < cols && rows > 4) return { format: 'yolov8', channelsFirst: true, nc: rows - 4 };
    if (want === 'yolov8' && cols > 4) return { format: 'yolov8', channelsFirst: false, nc: cols - 4 };
    // [anchors, C] without metadata is ambiguous between YOLOv5 (5+nc) and transposed YOLOv8 (4+nc): COCO decides.
    if (cols === 85) return { format: 'yolov5', channelsFirst: false, nc: 80 };
    if (cols === 84) return { format: 'yolov8', channelsFirst: false, nc: 80 };
    return fail('pass options.nc (or names) or options.format');
  }
  return fail('unknown format');
}

function classCount(o: Partial<DecodeOptions>, fn: string): number | undefined {
  if (o.nc !== undefined) return check.integer(`${fn}: options.nc`, o.nc, 1, 100_000);
  if (o.names === undefined) return undefined;
  if (typeof o.names !== 'object' || o.names === null) check.fail(`${fn}: options.names`, 'an array or object of class names', o.names);
  const n = Array.isArray(o.names) ? o.names.length : Object.keys(o.names).length;
  return check.integer(`${fn}: options.names (count)`, n, 1, 100_000);
}

/**
 * Decodes raw YOLO outputs into detections, with Ultralytics' `non_max_suppression` semantics (score
 * threshold, xywh→xyxy, best class or multi-label, class filter, `maxNms` cap, class-aware NMS with its
 * 7680-pixel class offset, `maxDet`). End-to-end heads are only thresholded. Boxes are in model-input pixels:
 * map them back with {@link scaleBoxes}. Synchronous (well under a millisecond for [1, 84, 8400], see bench/).
 *
 * @param output the raw output: Float32Array, or Uint16Array holding float16 bits; or a backend's output tensor
 *   `{ dtype, dims, data }` as it comes (then the second argument is the options)
 * @param shape its shape, [B, rows, cols] (or [rows, cols] for one image)
 * @returns one {@link Detections} per batch item
 *
 * @example
 * ```ts
 * const { output0 } = await backend.run({ images: input });
 * const [dets] = decode(output0, { conf: 0.25, iou: 0.7 });
 * ```
 */
export function decode(output: Float32Array | Uint16Array | Tensor, shape?: readonly number[] | DecodeOptions, options?: DecodeOptions): Detections[] {
  // decode(tensor, options): a backend's output as it comes.
  if (isTensor(output)) {
    if (shape !== undefined && (Array.isArray(shape) || typeof shape !== 'object'))
      check.fail('decode: options', 'an options object (the shape comes from the tensor)', shape);
    return decode(output.data as Float32Array, output.dims, shape as DecodeOptions | undefined);
  }
  if (!(output instanceof Float32Array || output instanceof Uint16Array)) {
    check.fail('decode: output', 'a Float32Array (float32), a Uint16Array (float16 bits) or a float32/float16 tensor { dtype, dims, data }', output);
  }
  if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3)) check.fail('decode: shape', '[batch, rows, cols] or [rows, cols]', shape);
  const dims = shape.map((d, i) => check.integer(`decode: shape[${i}]`, d, 0, LIMITS.int32));
  const [batch, rows, cols] = dims.length === 3 ? dims : [1, dims[0], dims[1]];
  if (batch > LIMITS.batch) check.fail('decode: shape[0] (batch)', `at most ${LIMITS.batch}`, batch);
  if (output.length !== batch * rows * cols) check.fail('decode: output', `${batch * rows * cols} values for shape [${dims.join(', ')}]`, output);

  const params = decodeParams('decode', rows, cols, options);
  if (params === undefined) return Array.from({ length: batch }, () => empty());
  const native = addon();
  const item = rows * cols;
  const results: Detections[] = [];
  for (let b = 0; b < batch; b++) {
    const r = callNative(() => native.decode(output.subarray(b * item, (b + 1) * item), params));
    results.push({ count: r.scores.length, boxes: r.boxes, scores: r.scores, classes: r.classes });
  }
  return results;
}

/**
 * The native decode parameters for one [rows, cols] head item: the options checked (messages prefixed with
 * `${fn}: options`) and their defaults filled, the head's layout chosen. Undefined for an empty shape (nothing to
 * decode). Shared by {@link decode} and the engine runtime's image-in stage, which decodes on the device.
 */
export function decodeParams(fn: string, rows: number, cols: number, options?: DecodeOptions): NativeDecodeParams | undefined {
  const o = check.options<DecodeOptions>(`${fn}: options`, options);
  const format = check.optional(o.format, 'auto' as HeadFormat | 'auto', (v) => check.oneOf(`${fn}: options.format`, v, FORMATS));
  const end2end = check.optional(o.end2end, undefined, (v) => check.boolean(`${fn}: options.end2end`, v));
  const conf = check.optional(o.conf, PREDICT.conf, (v) => check.number(`${fn}: options.conf`, v, 0, 1));
  const iou = check.optional(o.iou, PREDICT.iou, (v) => check.number(`${fn}: options.iou`, v, 0, 1));
  const maxDet = check.optional(o.maxDet, PREDICT.maxDet, (v) => check.int32(`${fn}: options.maxDet`, v, 1));
  const maxNms = check.optional(o.maxNms, PREDICT.maxNms, (v) => check.int32(`${fn}: options.maxNms`, v, 1));
  const agnostic = check.optional(o.agnostic, PREDICT.agnostic, (v) => check.boolean(`${fn}: options.agnostic`, v));
  const multiLabel = check.optional(o.multiLabel, PREDICT.multiLabel, (v) => check.boolean(`${fn}: options.multiLabel`, v));
  let classes: Int32Array | null = null;
  if (o.classes !== undefined) {
    if (!(Array.isArray(o.classes) || ArrayBuffer.isView(o.classes))) check.fail(`${fn}: options.classes`, 'an array of class ids', o.classes);
    classes = Int32Array.from(o.classes as ArrayLike<number>, (c, i) => check.int32(`${fn}: options.classes[${i}]`, c));
  }
  const nc = classCount(o, fn);
  if (rows === 0 || cols === 0) return undefined;
  const layout = detectHeadLayout(rows, cols, format, nc, end2end);
  return {
    format: addon().constants.headFormat[layout.format],
    channelsFirst: layout.channelsFirst,
    rows,
    cols,
    nc: layout.nc,
    conf,
    iou,
    maxDet,
    maxNms,
    agnostic,
    multiLabel,
    classes,
  };
}

function isTensor(value: unknown): value is Tensor {
  const t = value as Partial<Tensor> | null;
  return typeof t === 'object' && t !== null && !ArrayBuffer.isView(t) && 'dims' in t && 'data' in t;
}

function empty(): Detections {
  return { count: 0, boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0) };
}
