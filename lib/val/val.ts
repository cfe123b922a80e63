import sharp from 'sharp';

import { Detector, type DetectorOptions } from '../detector/detector.js';
import { TrtjsError, throwIfAborted } from '../errors.js';
import { readModelInfo, type ModelSource } from '../model/read-model.js';
import { VAL } from '../defaults.js';
import { scaleXyxy } from '../tasks/frame.js';
import { obbHead } from '../tasks/obb/head.js';
import { kptShape, poseHead } from '../tasks/pose/head.js';
import { taskOf } from '../tasks/registry.js';
import { decodeSegmentation } from '../tasks/segment/head.js';
import { processMasks } from '../tasks/segment/masks.js';
import type { ClassifyResult, LetterboxFrame, ObbResult, PoseResult, Task } from '../tasks/types.js';
import * as check from '../util/validate.js';
import { ClassifyMetrics, readClassifyDataset } from './classify.js';
import { readYoloDataset, toPixelBoxes } from './dataset.js';
import { DetectionMetrics, type MetricsResult } from './metrics.js';
import { ObbMetrics } from './obb.js';
import { PoseMetrics } from './pose.js';
import { SegmentMetrics } from './segment.js';
import { TaskRunner } from './task-runner.js';

export interface ValOptions {
  /** Dataset YAML (Ultralytics format); for classification, the dataset folder (`<root>/val/<class>/*.jpg`). */
  data: string;
  /** Model path/bytes, or an open Detector (detection). */
  model: ModelSource | Detector;
  /** Dataset root when the YAML's `path` does not resolve (coco128.yaml's points into a yolov5 checkout). */
  root?: string;
  split?: 'train' | 'val' | 'test';
  /** Validation settings, Ultralytics' val defaults: conf 0.001, iou 0.7, maxDet 300, multi-label NMS. */
  conf?: number;
  iou?: number;
  maxDet?: number;
  /** Only the first n images (quick checks). */
  limit?: number;
  /** Backend, input size and runtime options (every task). */
  detector?: DetectorOptions;
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
  if (o.model instanceof Detector) return valDetect(o, settings);
  const task: Task = taskOf(await readModelInfo(o.model));
  if (task === 'detect') return valDetect(o, settings);
  const runner = await TaskRunner.open(o.model, o.detector ?? {});
  try {
    if (task === 'classify') return await valClassify(o, settings, runner);
    return await valBoxTask(task, o, settings, runner);
  } finally {
    await runner.dispose();
  }
}

async function valDetect(o: ValOptions, s: Settings): Promise<DetectValResult> {
  const ds = readYoloDataset(o.data, { root: o.root, split: o.split });
  const images = ds.images.slice(0, s.limit);
  const own = !(o.model instanceof Detector);
  const detector = o.model instanceof Detector ? o.model : await Detector.create(o.model, o.detector);
  try {
    if (detector.info.names && detector.info.names.length !== ds.names.length) {
      throw new TrtjsError('ERR_VALIDATION', `val: the model has ${detector.info.names.length} classes, the dataset ${ds.names.length}`);
    }
    const metrics = new DetectionMetrics(ds.names.length);
    let ms = 0;
    for (let i = 0; i < images.length; i++) {
      throwIfAborted('val', o.signal);
      const item = images[i];
      const t0 = performance.now();
      const dets = await detector.detect(item.image, { conf: s.conf, iou: s.iou, maxDet: s.maxDet, multiLabel: VAL.multiLabel, signal: o.signal });
      ms += performance.now() - t0;
      const { width = 0, height = 0, orientation } = await sharp(item.image).metadata();
      const [w, h] = orientation && orientation >= 5 ? [height, width] : [width, height];
      metrics.add(
        {
          boxes: Float32Array.from(dets.flatMap((d) => d.box)),
          scores: Float32Array.from(dets.map((d) => d.score)),
          classes: Int32Array.from(dets.map((d) => d.classId)),
        },
        { boxes: toPixelBoxes(item.labels, w, h), classes: item.labels.classes },
      );
      o.onProgress?.(i + 1, images.length);
    }
    return { task: 'detect', ...metrics.result(), names: ds.names, msPerImage: images.length ? ms / images.length : 0 };
  } finally {
    if (own) await detector.dispose();
  }
}

async function valBoxTask(task: 'segment' | 'pose' | 'obb', o: ValOptions, s: Settings, runner: TaskRunner): Promise<SegmentValResult | PoseValResult | ObbValResult> {
  const ds = readYoloDataset(o.data, { root: o.root, split: o.split, task });
  const images = ds.images.slice(0, s.limit);
  const names = runner.info.names;
  if (names && names.length !== ds.names.length) throw new TrtjsError('ERR_VALIDATION', `val: the model has ${names.length} classes, the dataset ${ds.names.length}`);
  const nc = ds.names.length;
  const opts = { ...VAL, conf: s.conf, iou: s.iou, maxDet: s.maxDet, classes: null };
  let modelKpt: [number, number] | undefined;
  if (task === 'pose') {
    modelKpt = kptShape(runner.info);
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
    const { outputs, frame, raw } = await runner.infer(item.image, o.signal);
    const size: [number, number] = [raw.width, raw.height];
    const truthBoxes = toPixelBoxes(item.labels, raw.width, raw.height);
    if (seg) {
      // The validator's masks: process_mask without upsampling, at prototype size, from the unscaled boxes.
      const [r] = decodeSegmentation(outputs, opts, runner.info);
      const masks = processMasks(r.protos, r.coeffs, r.boxes, { mode: 'proto', shape: [frame.inputSize[1], frame.inputSize[0]] });
      ms += performance.now() - t0;
      seg.add({ boxes: scaleXyxy(r.boxes, frame), scores: r.scores, classes: r.classes, masks }, item.labels, truthBoxes, frame as LetterboxFrame);
    } else if (pose) {
      const [r] = poseHead.postprocess(outputs, [frame], opts, runner.info) as PoseResult[];
      ms += performance.now() - t0;
      pose.add({ boxes: r.boxes.xyxy, scores: r.boxes.conf, classes: r.boxes.cls, keypoints: r.keypoints.data }, item.labels, truthBoxes, size);
    } else {
      const [r] = obbHead.postprocess(outputs, [frame], opts, runner.info) as ObbResult[];
      ms += performance.now() - t0;
      obb!.add({ xywhr: r.obb.xywhr, scores: r.obb.conf, classes: r.obb.cls }, item.labels, size);
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

async function valClassify(o: ValOptions, s: Settings, runner: TaskRunner): Promise<ClassifyValResult> {
  const ds = readClassifyDataset(o.data, o.split);
  const names = runner.info.names;
  if (names && names.length !== ds.names.length) throw new TrtjsError('ERR_VALIDATION', `val: the model has ${names.length} classes, the dataset ${ds.names.length}`);
  const images = ds.images.slice(0, s.limit);
  const metrics = new ClassifyMetrics();
  let ms = 0;
  for (let i = 0; i < images.length; i++) {
    throwIfAborted('val', o.signal);
    const t0 = performance.now();
    const { outputs, frame } = await runner.infer(images[i].image, o.signal);
    const [r] = runner.head.postprocess(outputs, [frame], {}, runner.info) as ClassifyResult[];
    ms += performance.now() - t0;
    metrics.add(r.probs.top5, images[i].classId);
    o.onProgress?.(i + 1, images.length);
  }
  return { task: 'classify', ...metrics.result(), names: ds.names, msPerImage: images.length ? ms / images.length : 0 };
}
