import sharp from 'sharp';

import { Detector } from '../detector/detector.js';
import { TrtjsError, throwIfAborted } from '../errors.js';
import type { ModelSource } from '../model/read-model.js';
import { VAL } from '../defaults.js';
import { Predictor, type PredictorOptions } from '../predictor/predictor.js';
import { scaleXyxy } from '../tasks/frame.js';
import type { BoxOptions } from '../tasks/options.js';
import { kptShape } from '../tasks/pose/head.js';
import { decodeSegmentation } from '../tasks/segment/head.js';
import { processMasks } from '../tasks/segment/masks.js';
import type { LetterboxFrame } from '../tasks/types.js';
import * as check from '../util/validate.js';
import { ClassifyMetrics, readClassifyDataset } from './classify.js';
import { readYoloDataset, toPixelBoxes } from './dataset.js';
import { DetectionMetrics, type MetricsResult } from './metrics.js';
import { ObbMetrics } from './obb.js';
import { PoseMetrics } from './pose.js';
import { SegmentMetrics } from './segment.js';

export interface ValOptions {
  /** Dataset YAML (Ultralytics format); for classification, the dataset folder (`<root>/val/<class>/*.jpg`). */
  data: string;
  /** Model path/bytes, an open Predictor (any task), or an open Detector (detection). Open ones stay open. */
  model: ModelSource | Predictor | Detector;
  /** Dataset root when the YAML's `path` does not resolve (coco128.yaml's points into a yolov5 checkout). */
  root?: string;
  split?: 'train' | 'val' | 'test';
  /** Validation settings, Ultralytics' val defaults: conf 0.001, iou 0.7, maxDet 300, multi-label NMS. */
  conf?: number;
  iou?: number;
  maxDet?: number;
  /** Only the first n images (quick checks). */
  limit?: number;
  /** How the model is opened when `model` is a path or bytes: backend, input size, runtime options (every task). */
  detector?: PredictorOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

interface ValBase {
  names: string[];
  /** Mean milliseconds per image for the whole predict step (decode, pre-processing, inference, post-processing). */
  msPerImage: number;
}

/** Detection: mAP50-95 / mAP50 of boxes. */
export interface DetectValResult extends MetricsResult, ValBase {
  task: 'detect';
}

/** Segmentation: box metrics (Ultralytics' `(B)` columns) at the top level, mask metrics (`(M)`) in `masks`. */
export interface SegmentValResult extends MetricsResult, ValBase {
  task: 'segment';
  masks: MetricsResult;
}

/** Pose: box metrics (`(B)`) at the top level, keypoint metrics by OKS (`(P)`) in `pose`. */
export interface PoseValResult extends MetricsResult, ValBase {
  task: 'pose';
  pose: MetricsResult;
}

/** Oriented boxes: metrics with probabilistic IoU. */
export interface ObbValResult extends MetricsResult, ValBase {
  task: 'obb';
}

/** Classification: top-1 and top-5 accuracy. */
export interface ClassifyValResult extends ValBase {
  task: 'classify';
  top1: number;
  top5: number;
  images: number;
}

/** The result of {@link val}, by the model's task. */
export type ValResult = DetectValResult | SegmentValResult | PoseValResult | ObbValResult | ClassifyValResult;

interface Settings {
  conf: number;
  iou: number;
  maxDet: number;
  limit: number;
}

/**
 * Accuracy of a model on a dataset, with the metrics of Ultralytics' validator for the model's task (its `task`
 * metadata, else its outputs): detection, segmentation (box and mask mAP), pose (box and OKS mAP), oriented boxes
 * (probiou mAP) — mAP50-95 and mAP50 by 101-point interpolation, mean precision and recall, per class — and
 * classification (top-1 / top-5 accuracy).
 *
 * @example
 * ```ts
 * const r = await val({ data: 'coco128-seg/coco128-seg.yaml', root: 'coco128-seg', model: 'yolov8n-seg.onnx' });
 * if (r.task === 'segment') console.log(r.map5095, r.masks.map5095);
 * ```
 */
export async function val(options: ValOptions): Promise<ValResult> {
  const o = check.object<ValOptions>('val: options', options);
  if (typeof o.data !== 'string') check.fail('val: options.data', 'the path of a dataset YAML (or a classification dataset folder)', o.data);
  const settings: Settings = {
    conf: check.optional(o.conf, VAL.conf, (v) => check.number('val: options.conf', v, 0, 1)),
    iou: check.optional(o.iou, VAL.iou, (v) => check.number('val: options.iou', v, 0, 1)),
    maxDet: check.optional(o.maxDet, VAL.maxDet, (v) => check.int32('val: options.maxDet', v, 1)),
    limit: check.optional(o.limit, Infinity, (v) => check.integer('val: options.limit', v, 1)),
  };
  check.optionalSignal('val: options.signal', o.signal);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') check.fail('val: options.onProgress', 'a function', o.onProgress);
  throwIfAborted('val', o.signal);
  if (o.model instanceof Detector) return valDetect(o, settings, o.model);
  const own = !(o.model instanceof Predictor);
  const predictor = o.model instanceof Predictor ? o.model : await Predictor.create(o.model, o.detector);
  try {
    const task = predictor.task;
    if (task === 'detect') return await valDetect(o, settings, predictor);
    if (task === 'classify') return await valClassify(o, settings, predictor);
    return await valBoxTask(task, o, settings, predictor);
  } finally {
    if (own) await predictor.dispose();
  }
}

/** Validation's NMS settings: Ultralytics' val defaults (multi-label, no class filter) with the thresholds asked for. */
function valBoxOptions(s: Settings): BoxOptions {
  return { ...VAL, conf: s.conf, iou: s.iou, maxDet: s.maxDet, classes: null };
}

async function valDetect(o: ValOptions, s: Settings, model: Detector | Predictor): Promise<DetectValResult> {
  const ds = readYoloDataset(o.data, { root: o.root, split: o.split });
  const images = ds.images.slice(0, s.limit);
  if (model.info.names && model.info.names.length !== ds.names.length) {
    throw new TrtjsError('ERR_VALIDATION', `val: the model has ${model.info.names.length} classes, the dataset ${ds.names.length}`);
  }
  const metrics = new DetectionMetrics(ds.names.length);
  let ms = 0;
  for (let i = 0; i < images.length; i++) {
    throwIfAborted('val', o.signal);
    const item = images[i];
    const t0 = performance.now();
    const options = { conf: s.conf, iou: s.iou, maxDet: s.maxDet, multiLabel: VAL.multiLabel, signal: o.signal };
    let prediction: { boxes: Float32Array; scores: Float32Array; classes: Int32Array };
    let w: number, h: number;
    if (model instanceof Detector) {
      const dets = await model.detect(item.image, options);
      ms += performance.now() - t0;
      prediction = {
        boxes: Float32Array.from(dets.flatMap((d) => d.box)),
        scores: Float32Array.from(dets.map((d) => d.score)),
        classes: Int32Array.from(dets.map((d) => d.classId)),
      };
      const { width = 0, height = 0, orientation } = await sharp(item.image).metadata();
      [w, h] = orientation && orientation >= 5 ? [height, width] : [width, height];
    } else {
      const r = await (model as Predictor<'detect'>).predict(item.image, options);
      ms += performance.now() - t0;
      prediction = { boxes: r.boxes.xyxy, scores: r.boxes.conf, classes: r.boxes.cls };
      [w, h] = r.sourceSize;
    }
    metrics.add(prediction, { boxes: toPixelBoxes(item.labels, w, h), classes: item.labels.classes });
    o.onProgress?.(i + 1, images.length);
  }
  return { task: 'detect', ...metrics.result(), names: ds.names, msPerImage: images.length ? ms / images.length : 0 };
}

async function valBoxTask(
  task: 'segment' | 'pose' | 'obb',
  o: ValOptions,
  s: Settings,
  predictor: Predictor,
): Promise<SegmentValResult | PoseValResult | ObbValResult> {
  const ds = readYoloDataset(o.data, { root: o.root, split: o.split, task });
  const images = ds.images.slice(0, s.limit);
  const names = predictor.info.names;
  if (names && names.length !== ds.names.length)
    throw new TrtjsError('ERR_VALIDATION', `val: the model has ${names.length} classes, the dataset ${ds.names.length}`);
  const nc = ds.names.length;
  const opts = valBoxOptions(s);
  let modelKpt: [number, number] | undefined;
  if (task === 'pose') {
    modelKpt = kptShape(predictor.info);
    if (ds.kptShape && (ds.kptShape[0] !== modelKpt[0] || ds.kptShape[1] !== modelKpt[1])) {
      throw new TrtjsError('ERR_VALIDATION', `val: the model's kpt_shape is [${modelKpt.join(', ')}], the dataset's [${ds.kptShape.join(', ')}]`);
    }
  }
  const seg = task === 'segment' ? new SegmentMetrics(nc) : undefined;
  const pose = task === 'pose' ? new PoseMetrics(ds.kptShape ?? modelKpt!, nc) : undefined;
  const obb = task === 'obb' ? new ObbMetrics(nc) : undefined;
  let ms = 0;
  for (let i = 0; i < images.length; i++) {
    throwIfAborted('val', o.signal);
    const item = images[i];
    const t0 = performance.now();
    if (seg) {
      // The validator's masks: process_mask without upsampling, at prototype size, from the unscaled boxes.
      const { outputs, frame } = await predictor.infer(item.image, { signal: o.signal });
      const [r] = decodeSegmentation(outputs, opts, predictor.info);
      const masks = processMasks(r.protos, r.coeffs, r.boxes, { mode: 'proto', shape: [frame.inputSize[1], frame.inputSize[0]] });
      ms += performance.now() - t0;
      const [w0, h0] = frame.sourceSize;
      seg.add(
        { boxes: scaleXyxy(r.boxes, frame), scores: r.scores, classes: r.classes, masks },
        item.labels,
        toPixelBoxes(item.labels, w0, h0),
        frame as LetterboxFrame,
      );
    } else if (pose) {
      const r = await (predictor as Predictor<'pose'>).predict(item.image, { ...opts, signal: o.signal });
      ms += performance.now() - t0;
      const [w0, h0] = r.sourceSize;
      pose.add(
        { boxes: r.boxes.xyxy, scores: r.boxes.conf, classes: r.boxes.cls, keypoints: r.keypoints.data },
        item.labels,
        toPixelBoxes(item.labels, w0, h0),
        r.sourceSize,
      );
    } else {
      const r = await (predictor as Predictor<'obb'>).predict(item.image, { ...opts, signal: o.signal });
      ms += performance.now() - t0;
      obb!.add({ xywhr: r.obb.xywhr, scores: r.obb.conf, classes: r.obb.cls }, item.labels, r.sourceSize);
    }
    o.onProgress?.(i + 1, images.length);
  }
  const base = { names: ds.names, msPerImage: images.length ? ms / images.length : 0 };
  if (seg) {
    const r = seg.result();
    return { task: 'segment', ...r.box, masks: r.masks, ...base };
  }
  if (pose) {
    const r = pose.result();
    return { task: 'pose', ...r.box, pose: r.pose, ...base };
  }
  return { task: 'obb', ...obb!.result(), ...base };
}

async function valClassify(o: ValOptions, s: Settings, predictor: Predictor): Promise<ClassifyValResult> {
  const ds = readClassifyDataset(o.data, o.split);
  const names = predictor.info.names;
  if (names && names.length !== ds.names.length)
    throw new TrtjsError('ERR_VALIDATION', `val: the model has ${names.length} classes, the dataset ${ds.names.length}`);
  const images = ds.images.slice(0, s.limit);
  const metrics = new ClassifyMetrics();
  let ms = 0;
  for (let i = 0; i < images.length; i++) {
    throwIfAborted('val', o.signal);
    const t0 = performance.now();
    const r = await (predictor as Predictor<'classify'>).predict(images[i].image, { signal: o.signal });
    ms += performance.now() - t0;
    metrics.add(r.probs.top5, images[i].classId);
    o.onProgress?.(i + 1, images.length);
  }
  return { task: 'classify', ...metrics.result(), names: ds.names, msPerImage: images.length ? ms / images.length : 0 };
}
