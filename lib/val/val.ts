import sharp from 'sharp';

import { Detector, type DetectorOptions } from '../detector/detector.js';
import { VAL } from '../defaults.js';
import { TrtjsError, throwIfAborted } from '../errors.js';
import type { ModelSource } from '../model/read-model.js';
import * as check from '../util/validate.js';
import { readYoloDataset, toPixelBoxes } from './dataset.js';
import { DetectionMetrics, type MetricsResult } from './metrics.js';

export interface ValOptions {
  /** Dataset YAML (Ultralytics format). */
  data: string;
  /** Model path/bytes, or an open Detector. */
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
  detector?: DetectorOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ValResult extends MetricsResult {
  names: string[];
  /** Mean milliseconds per image for the whole detect call (decode, letterbox, inference, NMS). */
  msPerImage: number;
}

/**
 * Accuracy of a model on a YOLO dataset: mAP50-95 and mAP50 (101-point interpolation, as COCO and Ultralytics),
 * mean precision and recall, per class.
 *
 * @example
 * ```ts
 * const r = await val({ data: 'coco128/coco128.yaml', root: 'coco128', model: 'yolov8n.onnx', onProgress: console.log });
 * console.log(r.map5095, r.map50);
 * ```
 */
export async function val(options: ValOptions): Promise<ValResult> {
  const o = check.object<ValOptions>('val: options', options);
  if (typeof o.data !== 'string') check.fail('val: options.data', 'the path of a dataset YAML', o.data);
  const conf = check.optional(o.conf, VAL.conf, (v) => check.number('val: options.conf', v, 0, 1));
  const iou = check.optional(o.iou, VAL.iou, (v) => check.number('val: options.iou', v, 0, 1));
  const maxDet = check.optional(o.maxDet, VAL.maxDet, (v) => check.int32('val: options.maxDet', v, 1));
  const limit = check.optional(o.limit, Infinity, (v) => check.integer('val: options.limit', v, 1));
  const signal = check.optionalSignal('val: options.signal', o.signal);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') check.fail('val: options.onProgress', 'a function', o.onProgress);
  throwIfAborted('val', signal);
  const ds = readYoloDataset(o.data, { root: o.root, split: o.split });
  const images = ds.images.slice(0, limit);
  const own = !(o.model instanceof Detector);
  const detector = o.model instanceof Detector ? o.model : await Detector.create(o.model, o.detector);
  try {
    if (detector.info.names && detector.info.names.length !== ds.names.length) {
      throw new TrtjsError('ERR_VALIDATION', `val: the model has ${detector.info.names.length} classes, the dataset ${ds.names.length}`);
    }
    const metrics = new DetectionMetrics(ds.names.length);
    let ms = 0;
    for (let i = 0; i < images.length; i++) {
      throwIfAborted('val', signal);
      const item = images[i];
      const t0 = performance.now();
      const dets = await detector.detect(item.image, { conf, iou, maxDet, multiLabel: VAL.multiLabel, signal });
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
    return { ...metrics.result(), names: ds.names, msPerImage: images.length ? ms / images.length : 0 };
  } finally {
    if (own) await detector.dispose();
  }
}
