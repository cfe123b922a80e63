/**
 * The checks a candidate model passes before it may serve: its bytes (SHA-256 against an expected value, a
 * `<file>.sha256` sidecar, an allow-list), its IO signature against the serving model's, its labels, and its
 * detections on a golden image. Each failure names the stage and the reason.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { GOLDEN } from '../defaults.js';
import type { Detection } from '../detector/detection.js';
import type { ModelInfo, TensorInfo } from '../model/model-info.js';

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

const boundsText = (p: Bounds) => Object.entries(p).map(([n, { min, max }]) => `${n} [${min.join(', ')}]..[${max.join(', ')}]`).join(', ');

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
  if (!compatible(current.inputs, candidate.inputs)) {
    throw new CandidateRejection('validate', `inputs differ: serving ${describeTensors(current.inputs)}, candidate ${describeTensors(candidate.inputs)}`);
  }
  if (current.profiles?.length && candidate.profiles?.length) checkProfiles(current.profiles, candidate.profiles);
  if (!compatible(current.outputs, candidate.outputs)) {
    throw new CandidateRejection('validate', `outputs differ: serving ${describeTensors(current.outputs)}, candidate ${describeTensors(candidate.outputs)}`);
  }
  if ((current.task ?? 'detect') !== (candidate.task ?? 'detect')) throw new CandidateRejection('validate', `task '${candidate.task}' differs from '${current.task}'`);
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
  /** Minimum IoU between matched boxes. Default 0.5. */
  iou?: number;
  /** Largest score difference of matched boxes. Default 0.35 (model generations differ that much; broken models far more). */
  score?: number;
  /** Only detections at or above this score must be matched. Default 0.5. */
  minScore?: number;
}

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
