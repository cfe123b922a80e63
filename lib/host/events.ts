import type { SwapStage } from './candidate-checks.js';

/** A model a host serves or served. */
export interface ModelVersion {
  version: number;
  source: string;
  sha256: string;
  loadedAt: Date;
  /** What TensorRT warned about while loading this engine (a plan made on another GPU or TensorRT version); empty for ONNX. */
  warnings: readonly string[];
}

/** What each `ModelHost` event carries. */
export interface ModelHostEvents {
  /** A candidate starts its checks. */
  loading: { source: string };
  /**
   * TensorRT warned while loading a candidate (each warning once; the candidate's checks go on): a plan made on
   * another GPU model or TensorRT version, for one. `version.warnings` keeps them.
   */
  warning: { source: string; message: string };
  /** A candidate passed every check and now serves. */
  swapped: { version: ModelVersion; previous: ModelVersion };
  /** A candidate failed a check; the service keeps its model. */
  rejected: { source: string; stage: SwapStage; reason: string };
  /** A changed file the watcher will offer once the rate limit allows (`retryAt`); it is taken in its state then. */
  deferred: { source: string; retryAt: Date; reason: string };
  /** The service went back to `version` (rollback(), or a canary that failed its numbers) from `from`. */
  rolledBack: { version: ModelVersion; from: ModelVersion; reason: string };
  /**
   * A replaced model was released. `evicted` counts requests it was still running at the drain timeout; they were
   * answered by the model serving then.
   */
  drained: { version: ModelVersion; evicted: number };
  /** A watcher could not read what it watches. */
  error: Error;
}

export type ModelHostEvent = keyof ModelHostEvents;
