import { CANARY, HOST, SERVICE } from '../defaults.js';
import type { Detection } from '../detector/detection.js';
import type { ImageInput } from '../predictor/pipeline.js';
import type { PredictorOptions } from '../predictor/predictor.js';
import type { TaskResult } from '../tasks/types.js';
import * as check from '../util/validate.js';
import type { GoldenTolerance, HashPolicy } from './candidate-checks.js';

export interface ModelHostOptions extends HashPolicy {
  /**
   * How each model is opened (backend, imgsz, threads, queue) and the per-call defaults (conf, iou, ...), as
   * `Predictor.create` takes them. With `task`, a model of another task is refused at load.
   */
  detector?: PredictorOptions;
  /** Expected class names; default: those of the serving model. */
  labels?: string[];
  /**
   * Golden check: an image, and what is expected on it (default: the serving model's own result). Boxes are compared
   * for detect, segment and pose models (`expected` may be a list of detections), rotated boxes by probabilistic IoU
   * for obb, the top-1 class for classify (see {@link GoldenTolerance}).
   */
  golden?: { image: ImageInput; expected?: Detection[] | TaskResult; tolerance?: GoldenTolerance };
  /** Warm-up inferences before a candidate serves. Default 1. */
  warmup?: number;
  /** Keep the replaced model loaded for an instant rollback(). Default false. */
  keepPrevious?: boolean;
  /**
   * How long a replaced model may take to finish the requests it is running. Requests still running then are
   * answered by the model serving at that moment instead. Default 30 s.
   */
  drainTimeoutMs?: number;
  /**
   * Minimum time between completed swaps (and rollbacks): a manual swap sooner gets ERR_RATE_LIMITED (unless
   * `force`), a watched file is deferred with a `deferred` event. Rejected candidates do not count. Default 60 s.
   */
  minSwapIntervalMs?: number;
  /** Requests served at once (default: what the first model's Predictor runs at once). */
  concurrency?: number;
  /** Requests that may wait (default 1024); one more rejects with ERR_QUEUE_FULL. Waiting requests take the model serving when their turn comes. */
  maxQueue?: number;
}

export interface CanaryOptions {
  /** Share of requests routed to the candidate, (0, 1]. Default 0.1. */
  fraction?: number;
  /** Candidate requests before deciding. Default 50. */
  minRequests?: number;
  /** Highest candidate error rate that still promotes. Default 0.01. */
  maxErrorRate?: number;
  /** Highest candidate/current median latency ratio that still promotes. Default 1.5. */
  maxLatencyRatio?: number;
}

/** ModelHostOptions with every default applied, checked once at open. */
export type ResolvedHostOptions = ModelHostOptions &
  Required<Pick<ModelHostOptions, 'warmup' | 'keepPrevious' | 'drainTimeoutMs' | 'minSwapIntervalMs' | 'maxQueue'>>;

const SHA256 = /^[0-9a-fA-F]{64}$/;

export function resolveHostOptions(options: unknown): ResolvedHostOptions {
  const fn = 'ModelHost.open: options';
  const o = check.options<ModelHostOptions>(fn, options);
  if (o.expectedSha256 !== undefined && (typeof o.expectedSha256 !== 'string' || !SHA256.test(o.expectedSha256)))
    check.fail(`${fn}.expectedSha256`, 'a hex SHA-256', o.expectedSha256);
  if (o.allowList !== undefined && (!Array.isArray(o.allowList) || !o.allowList.every((h) => typeof h === 'string' && SHA256.test(h))))
    check.fail(`${fn}.allowList`, 'an array of hex SHA-256 digests', o.allowList);
  if (o.sidecar !== undefined && o.sidecar !== 'auto') check.boolean(`${fn}.sidecar`, o.sidecar);
  if (o.labels !== undefined && (!Array.isArray(o.labels) || !o.labels.every((l) => typeof l === 'string')))
    check.fail(`${fn}.labels`, 'an array of class names', o.labels);
  if (o.detector !== undefined) check.object(`${fn}.detector`, o.detector);
  if (o.golden !== undefined) check.object(`${fn}.golden`, o.golden);
  if (o.concurrency !== undefined) check.integer(`${fn}.concurrency`, o.concurrency, 1, 1024);
  return {
    ...o,
    warmup: check.optional(o.warmup, HOST.warmup, (v) => check.integer(`${fn}.warmup`, v, 0, 100)),
    keepPrevious: check.optional(o.keepPrevious, HOST.keepPrevious, (v) => check.boolean(`${fn}.keepPrevious`, v)),
    drainTimeoutMs: check.optional(o.drainTimeoutMs, HOST.drainTimeoutMs, (v) => check.integer(`${fn}.drainTimeoutMs`, v, 0, 2 ** 31 - 1)),
    minSwapIntervalMs: check.optional(o.minSwapIntervalMs, HOST.minSwapIntervalMs, (v) => check.integer(`${fn}.minSwapIntervalMs`, v, 0, 2 ** 31 - 1)),
    maxQueue: check.optional(o.maxQueue, SERVICE.maxQueue, (v) => check.integer(`${fn}.maxQueue`, v, 0, 1e9)),
  };
}

export function resolveCanaryOptions(options: unknown): Required<CanaryOptions> {
  const fn = 'canary: options';
  const o = check.options<CanaryOptions>(fn, options);
  return {
    fraction: check.optional(o.fraction, CANARY.fraction, (v) => check.number(`${fn}.fraction`, v, Number.MIN_VALUE, 1)),
    minRequests: check.optional(o.minRequests, CANARY.minRequests, (v) => check.integer(`${fn}.minRequests`, v, 1, 1e9)),
    maxErrorRate: check.optional(o.maxErrorRate, CANARY.maxErrorRate, (v) => check.number(`${fn}.maxErrorRate`, v, 0, 1)),
    maxLatencyRatio: check.optional(o.maxLatencyRatio, CANARY.maxLatencyRatio, (v) => check.number(`${fn}.maxLatencyRatio`, v, Number.MIN_VALUE)),
  };
}
