/**
 * Inference mode, as trtexec runs it (samples/common/sampleInference.cpp, inferenceLoop): queries back to back on
 * each stream; those whose compute starts within the warm-up are not timed; the run goes on until both the duration
 * has passed after the warm-up and every stream has made at least `iterations` timed queries. Unlike trtexec's
 * lock-step rounds, each stream here issues its next query as soon as its previous one ends, as a service does.
 */
import { TrtjsError } from '../errors.js';
import { now, span } from './clock.js';
import type { QueryRecord, Runner } from './runners.js';
import { summarize } from './stats.js';
import type { Figure, InferenceMode, InferenceReport, QueryTimes, TimedBy, TimingFigure } from './types.js';
import { figureWarnings } from './warnings.js';

/** Progress of a run, reported about ten times a second. */
export interface BenchProgress {
  /** 'warmup', 'measure', or the phase of a longer bench ('build', 'accuracy', 'end-to-end', level names). */
  phase: string;
  /** Completed share of the current phase's planned time, 0..1 (the run may go on past 1 to reach `iterations`). */
  fraction: number;
  /** Queries (or frames) completed so far in this phase. */
  done: number;
  /** What is being run, e.g. 'concurrency 4' or 'TensorRT FP16'. */
  detail?: string;
}

export interface LoopSettings {
  warmupMs: number;
  durationMs: number;
  iterations: number;
  /** Concurrent query loops. */
  lanes: number;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  detail?: string;
}

export interface LoopResult {
  origin: number;
  warmupEnd: number;
  warmup: QueryRecord[];
  timed: QueryRecord[];
}

/** When a query's compute began: trtexec's rule for what counts as warm-up. */
const computeStart = (r: QueryRecord) => r.workStart + r.h2d;

/** Runs queries on `lanes` concurrent loops until the duration and the iterations are both reached. */
export async function runLoop(runner: Runner, s: LoopSettings): Promise<LoopResult> {
  const origin = now();
  const warmupEnd = origin + s.warmupMs;
  const measureEnd = warmupEnd + s.durationMs;
  const timedPerLane = new Array<number>(s.lanes).fill(0);
  const warmup: QueryRecord[] = [];
  const timed: QueryRecord[] = [];
  let failure: unknown;
  let lanesDone = 0; // lanes with `iterations` timed queries
  // `t`: the time the lane's last query ended (one clock read less per query).
  const done = (t: number) => failure !== undefined || s.signal?.aborted || (t >= measureEnd && lanesDone === s.lanes);
  const progress = s.onProgress
    ? setInterval(() => {
        const t = now();
        if (t < warmupEnd) s.onProgress!({ phase: 'warmup', fraction: (t - origin) / Math.max(s.warmupMs, 1e-9), done: warmup.length, detail: s.detail });
        else s.onProgress!({ phase: 'measure', fraction: Math.min((t - warmupEnd) / s.durationMs, 1), done: timed.length, detail: s.detail });
      }, 100)
    : undefined;
  progress?.unref();
  const lane = async (k: number) => {
    let t = now();
    while (!done(t)) {
      try {
        const r = await runner.run(k, s.signal);
        t = r.end;
        if (computeStart(r) < warmupEnd) warmup.push(r);
        else {
          timed.push(r);
          if (++timedPerLane[k] === s.iterations) lanesDone++;
        }
      } catch (err) {
        failure ??= err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: s.lanes }, (_, k) => lane(k)));
  } finally {
    if (progress) clearInterval(progress);
  }
  if (s.signal?.aborted) throw new TrtjsError('ERR_ABORTED', 'bench: aborted', { cause: s.signal.reason });
  if (failure !== undefined) throw failure;
  s.onProgress?.({ phase: 'measure', fraction: 1, done: timed.length, detail: s.detail });
  return { origin, warmupEnd, warmup, timed };
}

/** A summarized figure. */
export function figure(values: number[], label: string, timedBy: TimedBy, definition: string): TimingFigure {
  return { available: true, label, unit: 'ms', timedBy, definition, ...summarize(values) };
}

export const unavailable = (label: string, reason: string): Figure => ({ available: false, label, reason });

/** trtexec's --exportTimes record of each timed query, on a timeline starting at the run's start. */
export function traceOf(loop: LoopResult): QueryTimes[] {
  return loop.timed.map((r) => {
    const t = (x: number) => x - loop.origin;
    const startH2d = t(r.workStart);
    const endH2d = startH2d + r.h2d;
    const endCompute = endH2d + r.compute;
    return {
      stream: r.lane,
      startEnqMs: t(r.enqStart),
      endEnqMs: t(r.enqEnd),
      startH2dMs: startH2d,
      endH2dMs: endH2d,
      startComputeMs: endH2d,
      endComputeMs: endCompute,
      startD2hMs: endCompute,
      endD2hMs: endCompute + r.d2h,
      h2dMs: r.h2d,
      computeMs: r.compute,
      d2hMs: r.d2h,
      latencyMs: r.h2d + r.compute + r.d2h,
    };
  });
}

/** The inference report of a finished loop. */
export function inferenceReport(
  runner: Runner,
  loop: LoopResult,
  mode: InferenceMode,
  shapes: Record<string, number[]>,
  batch: number,
  keepTrace: boolean,
): InferenceReport {
  const q = loop.timed;
  if (!q.length) throw new TrtjsError('ERR_NATIVE', 'bench: no query completed after the warm-up');
  const gpu = runner.backend.device === 'GPU';
  const events = runner.timedBy === 'cuda-events';
  const walltimeMs = span(q);
  const qps = (q.length / walltimeMs) * 1000;
  const noTransfer = (label: string) =>
    unavailable(
      label,
      mode.transfers === 'skipped'
        ? 'skipped (--no-data-transfers)'
        : mode.transfers === 'mapped'
          ? 'mapped memory: the GPU reads and writes the pinned host memory itself, nothing is copied'
          : 'CPU execution: there are no host-device transfers',
    );
  const copied = events && mode.transfers === 'copied';
  const f = {
    latency: events
      ? figure(
          q.map((r) => r.h2d + r.compute + r.d2h),
          'Latency',
          'cuda-events',
          "H2D + GPU Compute + D2H of one query (trtexec's Latency)",
        )
      : figure(
          q.map((r) => r.end - r.start),
          'Latency',
          'host-clock',
          'run() from the call to the result, on the host clock',
        ),
    enqueue: events
      ? figure(
          q.map((r) => r.enqEnd - r.enqStart),
          'Enqueue Time',
          'host-clock',
          "host time of enqueueV3 alone (trtexec's Enqueue Time)",
        )
      : figure(
          q.map((r) => r.enqEnd - r.enqStart),
          'Enqueue Time',
          'host-clock',
          'the synchronous part of run(): input checks and the hand-off to the backend',
        ),
    h2d: copied
      ? figure(
          q.map((r) => r.h2d),
          'H2D Latency',
          'cuda-events',
          'input copies from pinned host memory to the device',
        )
      : noTransfer('H2D Latency'),
    compute: events
      ? figure(
          q.map((r) => r.compute),
          'GPU Compute Time',
          'cuda-events',
          'the work enqueueV3 queued, between two CUDA events',
        )
      : figure(
          q.map((r) => r.compute),
          gpu ? 'Compute Time' : 'Compute Time (CPU)',
          'host-clock',
          runner.backend.kind === 'onnxruntime'
            ? "run() from the call to the result: ONNX Runtime's inference and the hand-off to and from its worker thread"
            : 'run() from the call to the result',
        ),
    d2h: copied
      ? figure(
          q.map((r) => r.d2h),
          'D2H Latency',
          'cuda-events',
          'output copies from the device to pinned host memory',
        )
      : noTransfer('D2H Latency'),
  };
  const request = figure(
    q.map((r) => r.end - r.start),
    'Request Latency',
    'host-clock',
    'each query as JavaScript sees it: from the call to the settled Promise, waiting for a free context included',
  );
  return {
    backend: runner.backend,
    mode,
    shapes,
    batch,
    warmup: { queries: loop.warmup.length, ms: mode.warmupMs },
    queries: q.length,
    walltimeMs,
    throughput: {
      qps,
      imagesPerSecond: qps * batch,
      definition: "timed queries / host wall time from the first timed query's start to the last one's end; images = queries × batch",
    },
    ...f,
    request,
    totalComputeMs: q.reduce((a, r) => a + r.compute, 0),
    warnings: figureWarnings(f, mode, runner.backend.device, runner.backend.kind),
    trace: keepTrace ? traceOf(loop) : undefined,
  };
}
