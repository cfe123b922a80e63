/**
 * Instance segmentation (`task: segment`): `output0` [batch, 4 + nc + nm, anchors] (or end-to-end [batch, N, 6 + nm])
 * and prototypes `output1` [batch, nm, mh, mw]. As SegmentationPredictor.construct_result: NMS carrying each box's
 * mask coefficients, masks by `process_mask` (or `process_mask_native` with `retinaMasks`), boxes by `scale_boxes`,
 * detections whose mask is empty dropped; masks returned at source resolution (`scale_image` when they were made at
 * model-input size) and polygons (`masks.xy`) by `masks2segments` then `scale_coords`.
 */
import type { Tensor } from '../../backends/backend.js';
import { callNative, TrtjsError } from '../../errors.js';
import type { ModelInfo, TensorInfo } from '../../model/model-info.js';
import { addon } from '../../native/binding.js';
import * as check from '../../util/validate.js';
import { PREDICT, PER_TASK } from '../../defaults.js';
import type { BoxOptions } from '../options.js';
import { clipPoints, scalePoints, scaleXyxy } from '../frame.js';
import { batchItem, boxOutput, checkBoxOutput, describeOutputs, extraStart, nativeParams, resultNames, runtimeLayout } from '../head-layout.js';
import { boxOptions, type BoxOptionsInput } from '../options.js';
import { asFloat32, checkBatch, outputNamed } from '../tensors.js';
import type { Frame, SegmentResult, TaskHead } from '../types.js';
import { maskPolygons, scaleImageMasks, toInstanceMasks, type MaskSet } from './masks.js';

export interface SegmentOptions extends BoxOptions {
  /** Masks at source resolution straight from the prototypes (`retina_masks`, process_mask_native). Default false. */
  retinaMasks: boolean;
}

export type SegmentOptionsInput = BoxOptionsInput & { retinaMasks?: boolean };

/** The prototype output: the 4-D one. */
export function protoOutput(info: ModelInfo): TensorInfo {
  const p = info.outputs.find((o) => o.shape.length === 4);
  if (!p) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `segment model: no mask prototype output [batch, nm, mh, mw] (a detection model cannot give masks); outputs: ${describeOutputs(info)}`,
    );
  }
  return p;
}

/** Number of mask coefficients: the prototype channels. */
function maskChannels(info: ModelInfo): number | undefined {
  const nm = protoOutput(info).shape[1];
  return typeof nm === 'number' && nm > 0 ? nm : undefined;
}

/** One image's detections before scaling: boxes in model-input pixels with their coefficients and prototypes. */
export interface RawSegmentation {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** n x nm coefficients. */
  coeffs: Float32Array;
  /** This image's prototypes, [nm, mh, mw]. */
  protos: { data: Float32Array; dims: [number, number, number] };
  nc: number;
}

/** NMS with the mask coefficients of each kept box, per image. */
export function decodeSegmentation(outputs: Record<string, Tensor>, o: BoxOptions, info: ModelInfo): RawSegmentation[] {
  const outName = boxOutput('segment', info).name;
  const protoName = protoOutput(info).name;
  const out = outputNamed(outputs, outName, 'segment');
  const protos = outputNamed(outputs, protoName, 'segment');
  if (protos.dims.length !== 4)
    throw new TrtjsError('ERR_BAD_MODEL', `segment model: prototypes '${protoName}' must be [batch, nm, mh, mw], got [${protos.dims.join(', ')}]`);
  const [pb, nm, mh, mw] = protos.dims;
  const layout = runtimeLayout('segment', out, outName, info, nm);
  if (pb !== layout.batch) throw new TrtjsError('ERR_BAD_MODEL', `segment model: prototypes hold ${pb} images, '${outName}' ${layout.batch}`);
  const params = nativeParams(layout, o);
  const protoData = asFloat32(protos, `segment model: prototypes '${protoName}'`);
  const native = addon();
  const results: RawSegmentation[] = [];
  for (let b = 0; b < layout.batch; b++) {
    const item = batchItem(out.data as Float32Array | Uint16Array, b, layout.rows, layout.cols);
    const r = callNative(() => native.decodeExtras(item, params, extraStart(layout), nm));
    results.push({
      boxes: r.boxes,
      scores: r.scores,
      classes: r.classes,
      coeffs: r.extras,
      protos: { data: protoData.subarray(b * nm * mh * mw, (b + 1) * nm * mh * mw), dims: [nm, mh, mw] },
      nc: layout.nc,
    });
  }
  return results;
}

function keepRows<T extends Float32Array | Int32Array>(a: T, keep: number[], width: number): T {
  const out = new (a.constructor as { new (n: number): T })(keep.length * width);
  keep.forEach((k, i) => {
    out.set(a.subarray(k * width, (k + 1) * width), i * width);
  });
  return out;
}

function segmentImage(raw: RawSegmentation, frame: Frame, o: SegmentOptions, names: string[]): SegmentResult {
  const n = raw.scores.length;
  const [w0, h0] = frame.sourceSize;
  const [inW, inH] = frame.inputSize;
  const [nm, mh, mw] = raw.protos.dims;
  const roundCrop = n < PER_TASK.roundCropBelow;
  const scaled = scaleXyxy(raw.boxes, frame);
  // Masks where Ultralytics makes them: model-input size, or the source with retina masks.
  const made = callNative(() =>
    addon().processMasks(raw.protos.data, raw.coeffs, o.retinaMasks ? scaled : raw.boxes, {
      nm,
      mh,
      mw,
      outWidth: o.retinaMasks ? w0 : inW,
      outHeight: o.retinaMasks ? h0 : inH,
      mode: addon().constants.maskMode[o.retinaMasks ? 'native' : 'upsample'],
      roundCrop,
    }),
  );
  const all = toInstanceMasks(made);
  // `keep = masks.amax((-2, -1)) > 0`: only predictions with a mask.
  const keep: number[] = [];
  all.masks.forEach((m, i) => {
    m.width > 0 && keep.push(i);
  });
  const kept: MaskSet = { size: all.size, masks: keep.map((i) => all.masks[i]) };
  const atSource = o.retinaMasks ? kept : scaleImageMasks(kept, [w0, h0]);
  // masks.xy: contours of the masks as Results holds them, then scale_coords to the source.
  // With retina masks the frames are equal: scale_coords only clips.
  const polygons = maskPolygons(kept).map((p) => (o.retinaMasks ? clipPoints(p, 2, w0, h0) : scalePoints(p, 2, frame)));
  return {
    task: 'segment',
    sourceSize: [w0, h0],
    names,
    boxes: { count: keep.length, xyxy: keepRows(scaled, keep, 4), conf: keepRows(raw.scores, keep, 1), cls: keepRows(raw.classes, keep, 1) },
    masks: { imageSize: [w0, h0], data: atSource.masks, xy: polygons },
  };
}

export const segmentHead: TaskHead<'segment', SegmentOptions> = {
  task: 'segment',
  preprocess: 'letterbox',
  check(info: ModelInfo): void {
    const nm = maskChannels(info);
    const out = boxOutput('segment', info);
    const [, rows, cols] = out.shape;
    const nc = info.names?.length;
    if (nm !== undefined && nc !== undefined && typeof rows === 'number' && typeof cols === 'number' && !info.end2end) {
      // Ultralytics exports channels first: [4 + nc + nm, anchors].
      const coefficients = Math.min(rows, cols) - 4 - nc;
      if (coefficients > 0 && coefficients !== nm) {
        throw new TrtjsError(
          'ERR_BAD_MODEL',
          `segment model: the prototypes '${protoOutput(info).name}' have ${nm} channels but '${out.name}' [${out.shape.join(', ')}] carries ${coefficients} mask coefficients per box (4 box values + ${nc} classes + coefficients)`,
        );
      }
    }
    checkBoxOutput('segment', info, nm ?? 32);
  },
  options(fn: string, options: unknown): SegmentOptions {
    const o = check.options<SegmentOptionsInput>(fn, options);
    return {
      ...boxOptions(fn, o, PREDICT),
      retinaMasks: check.optional(o.retinaMasks, PER_TASK.retinaMasks, (v) => check.boolean(`${fn}.retinaMasks`, v)),
    };
  },
  postprocess(outputs, frames, o, info) {
    const raw = decodeSegmentation(outputs, o, info);
    checkBatch('segment', raw.length, frames);
    return raw.map((r, i) => segmentImage(r, frames[i], o, resultNames(info, r.nc)));
  },
};
