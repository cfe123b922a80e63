/**
 * The result types of every Ultralytics task, modelled on Ultralytics' `Results` (ultralytics/engine/results.py):
 * `boxes` (detect, segment, pose), `masks` (segment), `keypoints` (pose), `obb` (obb) and `probs` (classify). All
 * coordinates are pixels of the source image; arrays are float32 as torch gives them.
 */
import type { Tensor } from '../backends/backend.js';
import type { ModelInfo } from '../model/model-info.js';

/** Ultralytics' task names (`task` in a model's metadata). */
export type Task = 'detect' | 'segment' | 'pose' | 'obb' | 'classify';

export const TASKS: readonly Task[] = Object.freeze(['detect', 'segment', 'pose', 'obb', 'classify'] as const);

/**
 * Where one image went through the letterbox: enough to map model-input coordinates back to the source, as
 * Ultralytics' `scale_boxes` / `scale_coords` / `scale_image` do. A {@link LetterboxResult} has these fields.
 */
export interface LetterboxFrame {
  kind: 'letterbox';
  /** Model-input (tensor) size, [width, height]. */
  inputSize: [number, number];
  /** Resize ratio [x, y] from source to tensor pixels. */
  scale: [number, number];
  /** Padding [left, top] in tensor pixels. */
  pad: [number, number];
  /** Size of the resized picture inside the tensor, [width, height]. */
  resized: [number, number];
  /** Source image size, [width, height]. */
  sourceSize: [number, number];
}

/** Where one image went through the classification transform (resize of the shorter side, centre crop). */
export interface ClassifyFrame {
  kind: 'classify';
  /** Model-input size, [width, height] (the crop). */
  inputSize: [number, number];
  /** Size of the full resize before the crop, [width, height]. */
  resized: [number, number];
  /** Top-left corner [left, top] of the crop in the resized image. */
  crop: [number, number];
  sourceSize: [number, number];
}

export type Frame = LetterboxFrame | ClassifyFrame;

/** Ultralytics' `Boxes`: `count` detections, highest score first. */
export interface Boxes {
  count: number;
  /** x1, y1, x2, y2 per detection, clipped to the image (`boxes.xyxy`). */
  xyxy: Float32Array;
  /** Confidence per detection (`boxes.conf`). */
  conf: Float32Array;
  /** Class id per detection (`boxes.cls`). */
  cls: Int32Array;
}

/**
 * One instance mask, compactly: the tight window around its pixels in the source image and that window's bytes
 * (1 inside, 0 outside, row-major). An empty mask has a 0 x 0 window.
 */
export interface InstanceMask {
  /** Left column of the window. */
  x: number;
  /** Top row of the window. */
  y: number;
  width: number;
  height: number;
  /** width * height bytes, 0 or 1. */
  data: Uint8Array;
}

/** Ultralytics' `Masks`, one per box. */
export interface Masks {
  /** The frame the masks lie in: the source image, [width, height]. */
  imageSize: [number, number];
  /** Per instance, its mask at source resolution. */
  data: InstanceMask[];
  /** Per instance, its polygon (`masks.xy`): x, y pairs in source pixels, float32. May be empty. */
  xy: Float32Array[];
}

/** Ultralytics' `Keypoints`: `count` instances of `shape[0]` keypoints with `shape[1]` values each. */
export interface Keypoints {
  count: number;
  /** [keypoints per instance, values per keypoint] (the model's `kpt_shape`: 2 for x, y; 3 adds a visibility). */
  shape: [number, number];
  /** count x nk x ndim values: x, y in source pixels (clipped to the image), then the visibility as the model gave it. */
  data: Float32Array;
  /** count x nk x 2: the x, y of `data` (`keypoints.xy`). */
  xy: Float32Array;
  /** count x nk visibilities (`keypoints.conf`), or null when ndim is 2. */
  conf: Float32Array | null;
}

/** Ultralytics' `OBB`: rotated boxes. */
export interface OrientedBoxes {
  count: number;
  /** cx, cy, w, h, angle per box: source pixels, angle in radians in [0, pi/2) (`obb.xywhr`); not clipped. */
  xywhr: Float32Array;
  /** The four corners x1, y1, ..., x4, y4 per box (`obb.xyxyxyxy`, flattened). */
  xyxyxyxy: Float32Array;
  conf: Float32Array;
  cls: Int32Array;
}

/** Ultralytics' `Probs`. */
export interface Probs {
  /** One probability per class, as the model gave them. */
  data: Float32Array;
  /** Class with the highest probability. */
  top1: number;
  top1conf: number;
  /** The (up to) five most probable classes, most probable first; equal probabilities keep class order. */
  top5: number[];
  top5conf: number[];
}

interface ResultBase {
  /** Source image size, [width, height] (Ultralytics' `orig_shape` is [height, width]). */
  sourceSize: [number, number];
  /** Class names by id (from the model metadata; ids as strings where it has none). */
  names: string[];
}

export interface DetectResult extends ResultBase {
  task: 'detect';
  boxes: Boxes;
}

export interface SegmentResult extends ResultBase {
  task: 'segment';
  boxes: Boxes;
  masks: Masks;
}

export interface PoseResult extends ResultBase {
  task: 'pose';
  boxes: Boxes;
  keypoints: Keypoints;
}

export interface ObbResult extends ResultBase {
  task: 'obb';
  obb: OrientedBoxes;
}

export interface ClassifyResult extends ResultBase {
  task: 'classify';
  probs: Probs;
}

/** What a model of each task gives for one image. */
export type TaskResult = DetectResult | SegmentResult | PoseResult | ObbResult | ClassifyResult;

/** The result type of a task. */
export type ResultOf<T extends Task> = Extract<TaskResult, { task: T }>;

/**
 * One task's post-processing, in a form a predictor can plug in: how images are pre-processed, which models it
 * accepts, the options it takes and how raw outputs become results.
 */
export interface TaskHead<T extends Task = Task, O = unknown> {
  readonly task: T;
  /** 'letterbox' (Ultralytics' LetterBox) or 'classify' (resize of the shorter side and centre crop). */
  readonly preprocess: 'letterbox' | 'classify';
  /** Throws ERR_BAD_MODEL, naming the task and the problem, when the model's outputs do not fit this task. */
  check(info: ModelInfo): void;
  /** Validates per-call options with exact messages and fills the defaults (lib/tasks/defaults.ts). */
  options(fn: string, options: unknown): O;
  /**
   * Raw outputs of one batch (every output of the model, by name) and the frame of each image in it, to one result
   * per image.
   */
  postprocess(outputs: Record<string, Tensor>, frames: readonly Frame[], options: O, info: ModelInfo): Array<ResultOf<T>>;
}

/** A task's name with its article, for messages: 'a segment', 'an obb'. */
export function aTask(task: string): string {
  return `${/^[aeiou]/.test(task) ? 'an' : 'a'} ${task}`;
}
