/**
 * The checks a candidate model passes before it may serve: its bytes (SHA-256 against an expected value, a
 * `<file>.sha256` sidecar, an allow-list), its task and IO signature against the serving model's, its labels, and its
 * results on a golden image. Each failure names the stage and the reason.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { GOLDEN } from '../defaults.js';
import { toDetections, type Detection } from '../detector/detection.js';
import type { ModelInfo, TensorInfo } from '../model/model-info.js';
import { probiou } from '../tasks/obb/ops.js';
import { taskOf } from '../tasks/registry.js';
import { aTask, type ClassifyResult, type ObbResult, type TaskResult } from '../tasks/types.js';

export type SwapStage = 'read' | 'verify' | 'load' | 'validate' | 'warmup' | 'golden' | 'switch' | 'canary';

/** A rejected candidate: `stage` says where, the message why. */
export class CandidateRejection extends Error {
  constructor(
    readonly stage: SwapStage,
    message: string,
  ) {
    super(message);
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface HashPolicy {
  expectedSha256?: string;
  /** Require (true) or use when present ('auto', default) a `<file>.sha256` sidecar. */
  sidecar?: boolean | 'auto';
  allowList?: string[];
}

export async function verifyHash(digest: string, path: string | undefined, policy: HashPolicy): Promise<void> {
  if (policy.expectedSha256 && policy.expectedSha256.toLowerCase() !== digest) {
    throw new CandidateRejection('verify', `SHA-256 ${digest} does not match the expected ${policy.expectedSha256}`);
  }
  if (path && policy.sidecar !== false) {
    let text: string | undefined;
    try {
      text = await readFile(`${path}.sha256`, 'utf8');
    } catch {
      if (policy.sidecar === true) throw new CandidateRejection('verify', `no ${path}.sha256 sidecar`);
    }
    if (text !== undefined) {
      // sha256sum's format: "<hex>  <name>"
      const want = text.trim().split(/\s+/)[0]?.toLowerCase();
      if (want !== digest) throw new CandidateRejection('verify', `SHA-256 ${digest} does not match ${path}.sha256 (${want})`);
    }
  }
  if (policy.allowList && !policy.allowList.map((h) => h.toLowerCase()).includes(digest)) {
    throw new CandidateRejection('verify', `SHA-256 ${digest} is not in the allow-list`);
  }
}

function describeTensors(ts: TensorInfo[]): string {
  return ts.map((t) => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`).join('; ');
}

function compatible(a: TensorInfo[], b: TensorInfo[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((t, i) => {
    const u = b[i];
    if (t.name !== u.name || t.dtype !== u.dtype || t.shape.length !== u.shape.length) return false;
    // A fixed dimension must stay the same; dynamic dimensions may be anything.
    return t.shape.every((d, k) => typeof d !== 'number' || d <= 0 || typeof u.shape[k] !== 'number' || (u.shape[k] as number) <= 0 || d === u.shape[k]);
  });
}

type Bounds = Record<string, { min: number[]; max: number[] }>;

const boundsText = (p: Bounds) =>
  Object.entries(p)
    .map(([n, { min, max }]) => `${n} [${min.join(', ')}]..[${max.join(', ')}]`)
    .join(', ');

/**
 * Engines: every shape range the serving engine accepts (each optimization profile) must lie within one profile of
 * the candidate, so no request the service now takes can fail on the candidate for its shape.
 */
function checkProfiles(current: Bounds[], candidate: Bounds[]): void {
  const within = (p: Bounds, q: Bounds) =>
    Object.entries(p).every(([name, { min, max }]) => {
      const r = q[name];
      return !!r && r.min.length === min.length && min.every((d, i) => r.min[i] <= d && max[i] <= r.max[i]);
    });
  for (const p of current) {
    if (!candidate.some((q) => within(p, q))) {
      throw new CandidateRejection(
        'validate',
        `the candidate's optimization profiles (${candidate.map(boundsText).join('; ')}) do not cover the serving range ${boundsText(p)}`,
      );
    }
  }
}

/**
 * The candidate must take the same inputs and give the same outputs (and, for engines, accept every input shape
 * range the serving engine accepts), for the same task and classes.
 */
export function checkCompatible(current: ModelInfo & { profiles?: Bounds[] }, candidate: ModelInfo & { profiles?: Bounds[] }, labels?: string[]): void {
  // The task first: a model of another task differs in everything else too, and this says why in one word.
  const [serving, offered] = [taskOf(current), taskOf(candidate)];
  if (serving !== offered) {
    throw new CandidateRejection(
      'validate',
      `the candidate is ${aTask(offered)} model; this host serves ${aTask(serving)} model (a host serves one task: open another ModelHost for ${offered})`,
    );
  }
  if (!compatible(current.inputs, candidate.inputs)) {
    throw new CandidateRejection('validate', `inputs differ: serving ${describeTensors(current.inputs)}, candidate ${describeTensors(candidate.inputs)}`);
  }
  if (current.profiles?.length && candidate.profiles?.length) checkProfiles(current.profiles, candidate.profiles);
  if (!compatible(current.outputs, candidate.outputs)) {
    throw new CandidateRejection('validate', `outputs differ: serving ${describeTensors(current.outputs)}, candidate ${describeTensors(candidate.outputs)}`);
  }
  if (!!current.end2end !== !!candidate.end2end) throw new CandidateRejection('validate', `end2end ${!!candidate.end2end} differs from ${!!current.end2end}`);
  const want = labels ?? current.names;
  if (want && candidate.names) {
    if (want.length !== candidate.names.length) throw new CandidateRejection('validate', `${candidate.names.length} classes, expected ${want.length}`);
    const i = want.findIndex((n, k) => n !== candidate.names![k]);
    if (i >= 0) throw new CandidateRejection('validate', `class ${i} is '${candidate.names[i]}', expected '${want[i]}'`);
  } else if (labels && !candidate.names) {
    throw new CandidateRejection('validate', 'the candidate has no class names to check against the expected labels');
  }
}

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter || 1);
}

export interface GoldenTolerance {
  /** Minimum IoU between matched boxes (probabilistic IoU for rotated boxes). Default 0.5. */
  iou?: number;
  /**
   * Largest score difference of matched boxes, or of the top-1 probability for classification. Default 0.35 (model
   * generations differ that much; broken models far more).
   */
  score?: number;
  /** Only detections at or above this score must be matched (classification: the expected top-1). Default 0.5. */
  minScore?: number;
}

/**
 * The golden check of any task: boxes (detect, segment, pose: each confident expected box needs a same-class twin
 * within the tolerances, by IoU), rotated boxes (obb: the same by probabilistic IoU), the top-1 class (classify: the
 * same class, its probability within `score`, when the expected one is confident). `expected` may be a list of
 * detections for the box tasks.
 */
export function checkGoldenResult(expected: TaskResult | Detection[], actual: TaskResult, tol: GoldenTolerance = {}): void {
  if (Array.isArray(expected)) {
    if (!('boxes' in actual)) throw new CandidateRejection('golden', `expected detections, but the candidate is ${aTask(actual.task)} model`);
    checkGolden(expected, toDetections(actual), tol);
    return;
  }
  if (expected.task !== actual.task)
    throw new CandidateRejection('golden', `expected ${aTask(expected.task)} result, the candidate gave ${aTask(actual.task)} result`);
  if (actual.task === 'obb') checkGoldenObb(expected as ObbResult, actual, tol);
  else if (actual.task === 'classify') checkGoldenProbs(expected as ClassifyResult, actual, tol);
  else checkGolden(toDetections(expected as Extract<TaskResult, { boxes: unknown }>), toDetections(actual), tol);
}

function checkGoldenObb(expected: ObbResult, actual: ObbResult, tol: GoldenTolerance): void {
  const { iou: minIou, score: maxScore, minScore } = { ...GOLDEN, ...defined(tol) };
  const e = expected.obb;
  const a = actual.obb;
  const want = Array.from({ length: e.count }, (_, i) => i).filter((i) => e.conf[i] >= minScore);
  if (!want.length) throw new CandidateRejection('golden', 'the golden image has no confident expected rotated box to check');
  const overlaps = a.count ? probiou(e.xywhr, a.xywhr) : new Float32Array(0);
  for (const i of want) {
    let best = -1;
    for (let k = 0; k < a.count; k++) if (a.cls[k] === e.cls[i] && (best < 0 || overlaps[i * a.count + k] > overlaps[i * a.count + best])) best = k;
    const iou = best < 0 ? 0 : overlaps[i * a.count + best];
    if (best < 0 || iou < minIou || Math.abs(a.conf[best] - e.conf[i]) > maxScore) {
      const box = Array.from(e.xywhr.subarray(i * 5, i * 5 + 4), (v) => v.toFixed(0)).join(', ');
      throw new CandidateRejection(
        'golden',
        `expected ${expected.names[e.cls[i]] ?? e.cls[i]} ${e.conf[i].toFixed(2)} at [${box}] (cx, cy, w, h), ` +
          (best < 0 ? 'the candidate finds none' : `closest is ${a.conf[best].toFixed(2)} at probabilistic IoU ${iou.toFixed(2)}`),
      );
    }
  }
}

function checkGoldenProbs(expected: ClassifyResult, actual: ClassifyResult, tol: GoldenTolerance): void {
  const { score: maxScore, minScore } = { ...GOLDEN, ...defined(tol) };
  const e = expected.probs;
  const a = actual.probs;
  const name = (r: ClassifyResult, c: number) => r.names[c] ?? String(c);
  if (e.top1conf < minScore)
    throw new CandidateRejection(
      'golden',
      `the golden image's expected class (${name(expected, e.top1)} ${e.top1conf.toFixed(2)}) is below minScore ${minScore}: nothing confident to check`,
    );
  if (a.top1 !== e.top1 || Math.abs(a.top1conf - e.top1conf) > maxScore) {
    throw new CandidateRejection(
      'golden',
      `expected top-1 ${name(expected, e.top1)} ${e.top1conf.toFixed(2)}, the candidate says ${name(actual, a.top1)} ${a.top1conf.toFixed(2)}`,
    );
  }
}

const defined = (o: GoldenTolerance) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as GoldenTolerance;

/** Every confident expected detection needs a same-class twin in `actual`, within the tolerances. */
export function checkGolden(expected: Detection[], actual: Detection[], tol: GoldenTolerance = {}): void {
  const minIou = tol.iou ?? GOLDEN.iou;
  const maxScore = tol.score ?? GOLDEN.score;
  const minScore = tol.minScore ?? GOLDEN.minScore;
  const want = expected.filter((d) => d.score >= minScore);
  if (!want.length) throw new CandidateRejection('golden', 'the golden image has no confident expected detection to check');
  for (const d of want) {
    const twin = actual.filter((a) => a.classId === d.classId).sort((x, y) => iou(y.box, d.box) - iou(x.box, d.box))[0];
    if (!twin || iou(twin.box, d.box) < minIou || Math.abs(twin.score - d.score) > maxScore) {
      throw new CandidateRejection(
        'golden',
        `expected ${d.className} ${d.score.toFixed(2)} at [${d.box.map((v) => v.toFixed(0)).join(', ')}], ` +
          (twin ? `closest is ${twin.score.toFixed(2)} at IoU ${iou(twin.box, d.box).toFixed(2)}` : 'the candidate finds none'),
      );
    }
  }
}
