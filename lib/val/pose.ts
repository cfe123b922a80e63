/**
 * Pose accuracy as Ultralytics' `PoseValidator` computes it: box mAP as for detection, and pose mAP from the object
 * keypoint similarity (`kpt_iou`) in place of IoU:
 * OKS = Σ_j exp(-d_j² / ((2σ_j)² · (area + eps) · 2)) · [v_j ≠ 0] / (Σ_j [v_j ≠ 0] + eps), with area = 0.53 × the
 * label box's area and σ the COCO keypoint sigmas when `kpt_shape` is [17, 3], else 1/nk for every keypoint
 * (Ultralytics' rule; [17, 2] gets the uniform sigmas too). Labels' keypoints are mapped to source pixels and clipped
 * to the image (`scale_coords`), as are the predictions.
 *
 * Where Ultralytics differs from pycocotools' keypoint evaluation (`save_json`): pycocotools uses the annotation's
 * segmentation area (not 0.53 × the box), divides by the variance per keypoint as (2σ)² · area · 2 too but ignores
 * labels with no visible keypoint and crowd regions, evaluates 20 detections per image, and reports area ranges.
 */
import { TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';
import type { YoloLabels } from './dataset.js';
import { DetectionMetrics, type MetricsResult } from './metrics.js';

const f32 = Math.fround;

/** COCO's 17 keypoint sigmas (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles). */
export const OKS_SIGMA: readonly number[] = Object.freeze(
  [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89].map((v) => v / 10),
);

/** The sigmas Ultralytics uses for a `kpt_shape`: COCO's for [17, 3], else 1/nk each. */
export function keypointSigmas(kptShape: [number, number]): number[] {
  const [nk, ndim] = kptShape;
  return nk === 17 && ndim === 3 ? [...OKS_SIGMA] : new Array<number>(nk).fill(1 / nk);
}

/**
 * `kpt_iou(gt, pred, sigma, area)` in float32: labels x predictions OKS.
 *
 * @param truth n x nk x 3 (x, y, visibility) in source pixels
 * @param pred m x nk x (2 or 3) (x, y[, visibility]) in source pixels
 * @param areas n label areas (0.53 x box area)
 * @param stride values per predicted keypoint (2 or 3)
 */
export function keypointOks(truth: Float32Array, pred: Float32Array, areas: Float32Array, sigmas: readonly number[], stride = 3): Float32Array {
  const nk = sigmas.length;
  const n = areas.length;
  if (truth.length !== n * nk * 3) check.fail('keypointOks: truth', `${n} x ${nk} x 3 values`, truth);
  if (pred.length % (nk * stride)) check.fail('keypointOks: pred', `m x ${nk} x ${stride} values`, pred);
  const m = pred.length / (nk * stride);
  const scale = sigmas.map((s) => f32(f32(f32(2 * f32(s)) * f32(2 * f32(s)))));
  const eps = f32(1e-7);
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    let visible = 0;
    for (let j = 0; j < nk; j++) if (truth[(i * nk + j) * 3 + 2] !== 0) visible++;
    const a = f32(areas[i] + eps);
    for (let p = 0; p < m; p++) {
      let sum = 0;
      for (let j = 0; j < nk; j++) {
        if (truth[(i * nk + j) * 3 + 2] === 0) continue;
        const dx = f32(truth[(i * nk + j) * 3] - pred[(p * nk + j) * stride]);
        const dy = f32(truth[(i * nk + j) * 3 + 1] - pred[(p * nk + j) * stride + 1]);
        const d = f32(f32(dx * dx) + f32(dy * dy));
        const e = f32(d / f32(f32(scale[j] * a) * 2));
        sum = f32(sum + f32(Math.exp(-e)));
      }
      out[i * m + p] = f32(sum / f32(visible + eps));
    }
  }
  return out;
}

/** One image's pose predictions (source pixels). */
export interface PosePrediction {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  /** count x nk x ndim, as PoseResult.keypoints.data. */
  keypoints: Float32Array;
}

export interface PoseMetricsResult {
  box: MetricsResult;
  pose: MetricsResult;
}

/** Accumulates box and keypoint statistics image by image (PoseValidator.update_metrics) and reduces them. */
export class PoseMetrics {
  readonly #box: DetectionMetrics;
  readonly #pose: DetectionMetrics;
  readonly #shape: [number, number];
  readonly #sigmas: number[];

  constructor(kptShape: [number, number], nc?: number) {
    if (!Array.isArray(kptShape) || kptShape.length !== 2) check.fail('PoseMetrics: kptShape', '[keypoints, 2 or 3]', kptShape);
    this.#shape = [check.integer('PoseMetrics: kptShape[0]', kptShape[0], 1), check.integer('PoseMetrics: kptShape[1]', kptShape[1], 2, 3)];
    this.#sigmas = keypointSigmas(this.#shape);
    this.#box = new DetectionMetrics(nc);
    this.#pose = new DetectionMetrics(nc);
  }

  /** Adds one image: predictions, its labels (with keypoints), their boxes in source pixels, the source size. */
  add(pred: PosePrediction, labels: YoloLabels, truthBoxes: Float32Array, sourceSize: [number, number]): void {
    const [nk] = this.#shape;
    const [w, h] = sourceSize;
    const n = labels.classes.length;
    if (!labels.keypoints || labels.keypoints.length !== n * nk * 3)
      throw new TrtjsError('ERR_BAD_INPUT', `pose val: labels must carry ${nk} keypoints each (read the dataset with task 'pose')`);
    // Labels' keypoints to source pixels, clipped as scale_coords clips them; visibility kept.
    const truth = new Float32Array(n * nk * 3);
    for (let k = 0; k < n * nk; k++) {
      truth[k * 3] = Math.min(Math.max(f32(labels.keypoints[k * 3] * w), 0), w);
      truth[k * 3 + 1] = Math.min(Math.max(f32(labels.keypoints[k * 3 + 1] * h), 0), h);
      truth[k * 3 + 2] = labels.keypoints[k * 3 + 2];
    }
    // area = xyxy2xywh(gt_bboxes)[:, 2:].prod(1) * 0.53
    const areas = Float32Array.from({ length: n }, (_, i) =>
      f32(f32(f32(truthBoxes[i * 4 + 2] - truthBoxes[i * 4]) * f32(truthBoxes[i * 4 + 3] - truthBoxes[i * 4 + 1])) * f32(0.53)),
    );
    this.#box.add({ boxes: pred.boxes, scores: pred.scores, classes: pred.classes }, { boxes: truthBoxes, classes: labels.classes });
    const m = pred.scores.length;
    const stride = m ? pred.keypoints.length / (m * nk) : this.#shape[1];
    const oks = n && m ? keypointOks(truth, pred.keypoints, areas, this.#sigmas, stride) : new Float32Array(0);
    this.#pose.addMatched({ scores: pred.scores, classes: pred.classes }, labels.classes, oks);
  }

  /** Box and pose metrics; both zero when no box prediction is a true positive (as `get_stats`). */
  result(): PoseMetricsResult {
    const box = this.#box.result();
    const pose = this.#pose.result();
    if (!this.#box.hasTruePositives)
      return {
        box,
        pose: {
          ...pose,
          map50: 0,
          map5095: 0,
          precision: 0,
          recall: 0,
          perClass: pose.perClass.map((c) => ({ ...c, ap50: 0, ap5095: 0, precision: 0, recall: 0 })),
        },
      };
    return { box, pose };
  }
}
