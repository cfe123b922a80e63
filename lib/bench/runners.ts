/**
 * How one query is made and timed on each backend. TensorRT runs on inputs staged once in pinned memory and is
 * timed with CUDA events (native/trt/runtime.cpp); other backends are timed on the host clock around `run`.
 */
import type { Backend, Tensor } from '../backends/backend.js';
import type { TensorRtBackend } from '../backends/tensorrt.js';
import { now } from './clock.js';
import type { BackendDescription, InferenceMode, TimedBy } from './types.js';

/** One query's times: host times in ms on the bench clock, durations in ms. */
export interface QueryRecord {
  lane: number;
  /** The call, and the Promise settling, as JavaScript sees them. */
  start: number;
  end: number;
  /** Host time around the enqueue (TensorRT: enqueueV3 alone; other backends: the synchronous part of `run`). */
  enqStart: number;
  enqEnd: number;
  /** When the query's device work began (TensorRT: the first event, recorded on an idle stream; else `start`). */
  workStart: number;
  h2d: number;
  compute: number;
  d2h: number;
}

export interface Runner {
  readonly backend: BackendDescription;
  readonly timedBy: TimedBy;
  readonly transfers: InferenceMode['transfers'];
  readonly wait: InferenceMode['wait'];
  readonly cudaGraph: boolean;
  run(lane: number, signal?: AbortSignal): Promise<QueryRecord>;
}

/** TensorRT: inputs staged once in every context's pinned memory, each query timed with CUDA events. */
export class TensorRtRunner implements Runner {
  readonly timedBy = 'cuda-events' as const;
  readonly transfers: InferenceMode['transfers'];
  readonly wait: InferenceMode['wait'];
  readonly #engine: TensorRtBackend;
  readonly #shapes: Record<string, number[]>;
  readonly cudaGraph: boolean;
  readonly #options: { transfers: boolean; spinWait: boolean; cudaGraph: boolean };

  constructor(
    readonly backend: BackendDescription,
    engine: TensorRtBackend,
    feeds: Record<string, Tensor>,
    options: { transfers: boolean; spinWait: boolean; cudaGraph: boolean },
  ) {
    this.#engine = engine;
    this.#shapes = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, t.dims]));
    this.#options = options;
    engine.stageInputs(feeds);
    this.transfers = engine.mapped ? 'mapped' : options.transfers ? 'copied' : 'skipped';
    this.wait = options.spinWait ? 'spin' : 'block';
    this.cudaGraph = options.cudaGraph;
  }

  async run(lane: number, signal?: AbortSignal): Promise<QueryRecord> {
    const start = now();
    const t = await this.#engine.runStaged(this.#shapes, { ...this.#options, signal });
    const end = now();
    return { lane, start, end, enqStart: t.enqueueStartMs, enqEnd: t.enqueueEndMs, workStart: t.issueMs, h2d: t.h2dMs, compute: t.computeMs, d2h: t.d2hMs };
  }
}

/** Any backend, timed on the host clock: lane i runs on backends[i % backends.length]. */
export class HostRunner implements Runner {
  readonly timedBy = 'host-clock' as const;
  readonly transfers = 'none' as const;
  readonly wait = 'promise' as const;
  readonly cudaGraph = false;
  readonly #backends: Backend[];
  readonly #feeds: Record<string, Tensor>;

  constructor(
    readonly backend: BackendDescription,
    backends: Backend[],
    feeds: Record<string, Tensor>,
  ) {
    this.#backends = backends;
    this.#feeds = feeds;
  }

  async run(lane: number, signal?: AbortSignal): Promise<QueryRecord> {
    const start = now();
    const pending = this.#backends[lane % this.#backends.length].run(this.#feeds, { signal });
    const enqEnd = now();
    await pending;
    const end = now();
    return { lane, start, end, enqStart: start, enqEnd, workStart: start, h2d: 0, compute: end - start, d2h: 0 };
  }
}
