/**
 * Every task's defaults in one place, with Ultralytics' names and values (ultralytics/cfg/default.yaml, the
 * predictors and validators). Native code receives every value explicitly; option validators fill from here.
 */
import type { Task } from './types.js';

/** Options shared by the box heads (detect, segment, pose, obb), as Ultralytics `predict` takes them. */
export interface BoxOptions {
  /** Confidence threshold: a candidate is kept when its score is > conf. */
  conf: number;
  /** NMS IoU threshold (probabilistic IoU for obb). */
  iou: number;
  /** Most detections kept per image. */
  maxDet: number;
  /** Most candidates entering NMS. */
  maxNms: number;
  /** One NMS over all classes. */
  agnostic: boolean;
  /** One candidate per class above `conf` rather than the best class only. */
  multiLabel: boolean;
  /** Keep only these class ids (null: all). */
  classes: number[] | null;
}

/** `predict` defaults (cfg/default.yaml: conf 0.25, iou 0.7, max_det 300; NMS max_nms 30000). */
export const PREDICT_DEFAULTS: Readonly<BoxOptions> = Object.freeze({
  conf: 0.25,
  iou: 0.7,
  maxDet: 300,
  maxNms: 30000,
  agnostic: false,
  multiLabel: false,
  classes: null,
});

/**
 * `val` defaults: conf 0.001 (the validators' low threshold), iou 0.7, max_det 300, and multi-label NMS as every box
 * validator calls non_max_suppression.
 */
export const VAL_DEFAULTS: Readonly<BoxOptions> = Object.freeze({ ...PREDICT_DEFAULTS, conf: 0.001, multiLabel: true });

/** Segmentation: `retina_masks` off (masks at model-input resolution, then mapped to the source). */
export const SEGMENT_DEFAULTS = Object.freeze({ retinaMasks: false });

/**
 * Ultralytics' CPU crop_mask zeroes outside the box rounded to whole pixels when it crops fewer masks than this, and
 * compares pixel centres with the exact box otherwise (and always on a GPU).
 */
export const ROUND_CROP_BELOW = 50;

/** Segmentation validation: GT masks at 1/4 of the input (mask_ratio 4), overlapping masks resolved (overlap_mask). */
export const SEGMENT_VAL_DEFAULTS = Object.freeze({ maskRatio: 4, overlapMask: true });

/**
 * Input size when a model has no fixed input and no `imgsz` metadata: 640 for the letterboxed tasks, 224 for
 * classification (Ultralytics' classification models are trained and exported at 224).
 */
export const DEFAULT_IMGSZ: Readonly<Record<Task, number>> = Object.freeze({ detect: 640, segment: 640, pose: 640, obb: 640, classify: 224 });

/** How many classes `Probs.top5` lists. */
export const TOP_K = 5;

/** Drawing: keypoints with a visibility below this are not drawn (Annotator.kpts' conf_thres). */
export const KEYPOINT_DRAW_CONF = 0.25;

/** Drawing: mask fill opacity (Annotator.masks' alpha). */
export const MASK_ALPHA = 0.5;
