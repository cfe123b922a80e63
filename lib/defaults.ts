/**
 * Every default trtjs applies, in one place. Names and values follow Ultralytics where users know them
 * (`predict`, `val`, `LetterBox`); the rest say why they are what they are. Native code receives every value
 * explicitly and holds no defaults of its own; the CLI shows these same values in `--help`.
 */

/** Ultralytics `predict` (ultralytics/cfg/default.yaml) and `non_max_suppression`. */
export const PREDICT = Object.freeze({
  conf: 0.25,
  iou: 0.7,
  maxDet: 300,
  /** Boxes entering NMS at most, highest scores first (`max_nms`). */
  maxNms: 30_000,
  agnostic: false,
  multiLabel: false,
});

/**
 * Ultralytics `val`: a low threshold and one label per class above it (every box validator calls
 * non_max_suppression with multi_label), so the PR curve is complete.
 */
export const VAL = Object.freeze({ ...PREDICT, conf: 0.001, multiLabel: true });

/** Per task (Ultralytics' predictors, validators and `Annotator`). */
export const PER_TASK = Object.freeze({
  /**
   * Input size when a model has no fixed input and no `imgsz` metadata: 640 for the letterboxed tasks, 224 for
   * classification (Ultralytics' classification models are trained and exported at 224).
   */
  imgsz: Object.freeze({ detect: 640, segment: 640, pose: 640, obb: 640, classify: 224 }),
  /** Segmentation: `retina_masks` off (masks at model-input resolution, then mapped to the source). */
  retinaMasks: false,
  /**
   * Ultralytics' CPU crop_mask zeroes outside the box rounded to whole pixels when it crops fewer masks than this,
   * and compares pixel centres with the exact box otherwise (and always on a GPU).
   */
  roundCropBelow: 50,
  /** Segmentation validation: GT masks at 1/4 of the input (mask_ratio 4), overlapping masks resolved (overlap_mask). */
  maskRatio: 4,
  overlapMask: true,
  /** How many classes `Probs.top5` lists. */
  topK: 5,
  /** Drawing: keypoints with a visibility below this are not drawn (Annotator.kpts' conf_thres). */
  keypointDrawConf: 0.25,
  /** Drawing: mask fill opacity (Annotator.masks' alpha). */
  maskAlpha: 0.5,
});

/** Ultralytics `LetterBox` (ultralytics/data/augment.py) with `imgsz` 640. */
export const LETTERBOX = Object.freeze({
  size: 640,
  auto: false,
  stride: 32,
  scaleFill: false,
  scaleUp: true,
  center: true,
  padValue: 114,
  dtype: 'float32' as const,
  layout: 'nchw' as const,
});

/** Services: bounded queues, image limits. */
/** Engine builds: one at a time per process (TensorRT's builder is not shared), the rest wait in JavaScript. */
export const BUILD = Object.freeze({
  /** Builds that may wait for the one running; one more is refused with ERR_QUEUE_FULL. */
  maxQueue: 64,
});

export const SERVICE = Object.freeze({
  /**
   * Requests that may wait for a slot, per Detector, backend and ModelHost. A full queue refuses at once with
   * ERR_QUEUE_FULL. A waiting request holds only what the caller passed (a path, the encoded bytes or the pixels it
   * already had): images are decoded when a slot takes them, so 1024 waiting requests cost little.
   */
  maxQueue: 1024,
  /**
   * Requests handed to the ONNX Runtime worker at once: one runs while the next is already queued there, so the
   * worker never idles between requests; more would only wait inside the worker, out of reach of abort and dispose.
   */
  onnxRuntimeInFlight: 2,
  /**
   * Decoded image size limit in pixels (8192 x 8192 = 67 MP, 192 MiB of RGB): a small file that decodes to a huge
   * image (a 300 KB PNG can claim 16383 x 16383) is refused before the pixels are allocated. sharp's own limit is 4x.
   */
  maxPixels: 8192 * 8192,
  /**
   * Page-locked frame staging per execution context for the image-in stage of detectors on engines (a 3840x2160 RGB
   * frame, 24.9 MB): larger frames take the CPU path.
   */
  frameBytes: 3840 * 2160 * 3,
});

/** `ModelHost`: hot swap. */
export const HOST = Object.freeze({
  warmup: 1,
  keepPrevious: false,
  /** A replaced model's running requests get this long to finish; then they are answered by the current model. */
  drainTimeoutMs: 30_000,
  /**
   * At most one completed swap (or rollback) per minute: a service that receives a burst of model files swaps once,
   * not once per file. Rejected candidates do not count, and the watcher defers (with a `deferred` event) instead
   * of failing.
   */
  minSwapIntervalMs: 60_000,
  /** Watcher: size and mtime unchanged this long before a file is used (a copy in progress is never loaded). */
  stableMs: 1000,
  pollMs: 250,
});

/** `ModelHost.canary()`. */
export const CANARY = Object.freeze({ fraction: 0.1, minRequests: 50, maxErrorRate: 0.01, maxLatencyRatio: 1.5 });

/** Golden-image check of a hot-swap candidate. */
export const GOLDEN = Object.freeze({
  iou: 0.5,
  /** Model generations differ by this much in score; broken models by far more. */
  score: 0.35,
  minScore: 0.5,
});

/** Input limits checked before anything is allocated. */
export const LIMITS = Object.freeze({
  /** Largest integer a class id, maxDet or maxNms may be: the native ops count in int32. */
  int32: 2 ** 31 - 1,
  /** Images in one batch (decode, detectBatch). */
  batch: 65_536,
  /** Nesting depth of JSON and Python literals in model metadata. */
  metadataDepth: 64,
  /** Entries in a metadata list or dict (class names, strides). */
  metadataEntries: 100_000,
});
