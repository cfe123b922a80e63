import { EventEmitter } from 'node:events';

import type { RunOptions, Tensor } from '../backends/backend.js';
import { toDetections, type Detection } from '../detector/detection.js';
import type { DetectOptions } from '../detector/detector.js';
import { BadInputError, TrtjsError } from '../errors.js';
import { checkImageInput, type ImageInput } from '../predictor/pipeline.js';
import { Predictor, type PredictOptions } from '../predictor/predictor.js';
import { aTask, type DetectResult, type Task, type TaskResult } from '../tasks/types.js';
import { Resource } from '../lifetime.js';
import { RequestQueue } from '../util/request-queue.js';
import * as check from '../util/validate.js';
import { admit, readSource, Rejected, type AdmissionContext } from './admission.js';
import { Canary, type CanaryResult } from './canary.js';
import { type CandidateRejection, sha256, verifyHash } from './candidate-checks.js';
import type { ModelHostEvents, ModelVersion } from './events.js';
import { HostMetrics } from './metrics.js';
import { resolveCanaryOptions, resolveHostOptions, type CanaryOptions, type ModelHostOptions, type ResolvedHostOptions } from './options.js';
import { Evicted, Served } from './served.js';
import type { SwapRecord } from './swap-record.js';
import { watchModel, type WatchOptions } from './watch.js';

export interface HostStatus {
  ready: boolean;
  current: ModelVersion;
  previous?: ModelVersion;
  canary?: ModelVersion & { fraction: number; requests: number; errors: number };
  /** Requests running now, on every model. */
  inFlight: number;
  /** Requests waiting for a slot. */
  queued: number;
  requests: number;
  errors: number;
  swaps: SwapRecord[];
  /** When the rate limit next allows a swap. */
  nextSwapAllowedAt: Date;
}

/**
 * Serves a model of any task (detect, segment, pose, obb, classify) and replaces it while serving: a candidate is
 * loaded in the background, verified (hash, task, IO signature, labels), warmed up and checked on a golden image, then
 * switched in atomically. Requests waiting in the host's queue take whichever model serves when their turn comes;
 * requests already running finish on the old model, which is released once they drain (or kept for rollback). A
 * request still running at the drain timeout is answered by the current model instead. A bad candidate is rejected
 * with its stage and reason; the service keeps its model. A host serves one task: a candidate of another task is
 * rejected at `validate`.
 *
 * Events (typed, see {@link ModelHostEvents}): `loading`, `swapped`, `rejected`, `deferred`, `rolledBack`,
 * `drained`, `error`.
 *
 * @example
 * ```ts
 * const host = await ModelHost.open('models/current.onnx', { keepPrevious: true });
 * try {
 *   host.on('rejected', (r) => console.warn(`candidate rejected at ${r.stage}: ${r.reason}`));
 *   host.watch('models/current.onnx'); // swaps when the file is replaced (write to a temp name, then rename)
 *   const dets = await host.detect('frame.jpg');  // host.predict(image) for any task: a TaskResult
 * } finally {
 *   await host.close();
 * }
 * ```
 */
export class ModelHost extends Resource {
  readonly #options: ResolvedHostOptions;
  readonly #metrics = new HostMetrics();
  readonly #events = new EventEmitter();
  readonly #queue: RequestQueue;
  /** The task every model of this host has. */
  readonly task: Task;
  #current: Served;
  #previous: Served | undefined;
  #canary: Canary | undefined;
  #nextVersion = 2;
  #swapping: Promise<unknown> | undefined;
  /** When the last swap or rollback completed (rejected candidates do not count). */
  #lastSwapAt = -Infinity;
  #history: SwapRecord[] = [];
  #requests = 0;
  #errors = 0;
  #stopWatchers: Array<() => void> = [];
  #retiring = new Set<Promise<void>>();

  private constructor(options: ResolvedHostOptions, first: Served) {
    super('ModelHost');
    this.#options = options;
    this.#current = first;
    this.task = first.predictor.task;
    this.#queue = new RequestQueue('ModelHost', options.concurrency ?? first.predictor.concurrency, options.maxQueue);
  }

  /**
   * Loads the first model (read and verified like any candidate). A path that cannot be read rejects with
   * ERR_BAD_INPUT, a failed hash check with ERR_VALIDATION, a file that is not a usable model with its own code
   * (ERR_BAD_MODEL, ...), each naming the file.
   */
  static async open(source: string | Uint8Array, options?: ModelHostOptions): Promise<ModelHost> {
    const o = resolveHostOptions(options);
    if (typeof source !== 'string' && !(source instanceof Uint8Array)) check.fail('ModelHost.open: source', 'a model path or bytes', source);
    let read: { bytes: Uint8Array; name: string };
    try {
      read = await readSource(source);
    } catch (err) {
      throw new BadInputError(`ModelHost.open: ${(err as Error).message}`, { cause: err });
    }
    const digest = sha256(read.bytes);
    await verifyHash(digest, typeof source === 'string' ? source : undefined, o).catch((err: unknown) => {
      throw validationError(err as CandidateRejection);
    });
    const predictor = await Predictor.create({ bytes: read.bytes, name: read.name }, o.detector);
    try {
      checkGoldenOption(o.golden, predictor.task);
    } catch (err) {
      await predictor.dispose();
      throw err;
    }
    return new ModelHost(o, new Served(1, read.name, digest, predictor));
  }

  on<K extends keyof ModelHostEvents>(event: K, listener: (payload: ModelHostEvents[K]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  once<K extends keyof ModelHostEvents>(event: K, listener: (payload: ModelHostEvents[K]) => void): this {
    this.#events.once(event, listener);
    return this;
  }

  off<K extends keyof ModelHostEvents>(event: K, listener: (payload: ModelHostEvents[K]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  #emit<K extends keyof ModelHostEvents>(event: K, payload: ModelHostEvents[K]): void {
    // An 'error' nobody listens to is dropped: a watcher's read failure must not crash the service.
    if (event === 'error' && this.#events.listenerCount('error') === 0) return;
    this.#events.emit(event, payload);
  }

  /**
   * Detects objects with the current model (or the canary candidate for its share of traffic). For detection models;
   * a host of another task answers ERR_BAD_INPUT (use {@link ModelHost.predict}).
   */
  detect(image: ImageInput, options?: DetectOptions): Promise<Detection[]> {
    if (this.task !== 'detect' && !this.disposed) {
      return Promise.reject(
        new BadInputError(
          `ModelHost.detect: this host serves ${aTask(this.task)} model; detect() is for detect models, use predict() (it gives ${this.task} results)`,
        ),
      );
    }
    return this.#serve(async (p) => toDetections((await p.predict(image, options)) as DetectResult), options?.signal);
  }

  /** The current model's result for one image, typed by its task (narrow on `result.task`). */
  predict(image: ImageInput, options?: PredictOptions): Promise<TaskResult> {
    return this.#serve((p) => p.predict(image, options), options?.signal);
  }

  /** Results for several images as one request (one inference with a batch where the model's batch is dynamic). */
  predictBatch(images: ImageInput[], options?: PredictOptions): Promise<TaskResult[]> {
    return this.#serve((p) => p.predictBatch(images, options), options?.signal);
  }

  /** Runs the current model's backend on raw tensors. */
  run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>> {
    return this.#serve((p) => p.backend.run(feeds, options), options?.signal);
  }

  #serve<T>(work: (p: Predictor) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (this.disposed) return Promise.reject(this.#closedError());
    try {
      check.optionalSignal('options.signal', signal);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#queue.run(() => this.#dispatch(work), signal);
  }

  async #dispatch<T>(work: (p: Predictor) => Promise<T>): Promise<T> {
    const canary = this.#canary;
    if (canary?.takes()) {
      const t0 = performance.now();
      try {
        const result = await this.#use(canary.served, work);
        canary.candidateServed(performance.now() - t0);
        this.#judgeCanary(canary);
        return result;
      } catch {
        // A failing candidate must not fail the request: count it and answer with the serving model.
        canary.candidateServed(undefined);
        this.#judgeCanary(canary);
      }
    }
    for (let attempt = 0; ; attempt++) {
      const served = this.#current;
      const t0 = performance.now();
      try {
        const result = await this.#use(served, work);
        this.#canary?.currentServed(performance.now() - t0);
        return result;
      } catch (err) {
        // Drained out of a replaced model: the model serving now answers instead.
        if (err instanceof Evicted && !this.disposed && this.#current !== served && attempt < 3) continue;
        this.#errors++;
        throw err instanceof Evicted ? this.#closedError() : err;
      }
    }
  }

  async #use<T>(served: Served, work: (p: Predictor) => Promise<T>): Promise<T> {
    this.#metrics.inFlight.inc();
    const label = { version: String(served.version) };
    const end = this.#metrics.latency.startTimer(label);
    this.#requests++;
    this.#metrics.requests.inc(label);
    try {
      return await served.use(work);
    } catch (err) {
      this.#metrics.errors.inc(label);
      throw err;
    } finally {
      end();
      this.#metrics.inFlight.dec();
    }
  }

  /**
   * Replaces the model after the candidate passes every check. Rejects with ERR_VALIDATION (and `stage`) when it does
   * not, ERR_RATE_LIMITED when a swap is running or the last completed swap is less than `minSwapIntervalMs` ago
   * (unless `force`).
   */
  async swap(source: string | Uint8Array, options?: { force?: boolean }): Promise<ModelVersion> {
    this.assertAlive();
    const o = check.options<{ force: boolean }>('swap: options', options);
    const force = check.optional(o.force, false, (v) => check.boolean('swap: options.force', v));
    this.#checkNotSwapping('swap');
    const wait = this.nextSwapAllowedAt.getTime() - Date.now();
    if (!force && wait > 0) {
      throw new TrtjsError(
        'ERR_RATE_LIMITED',
        `swaps are limited to one per ${this.#options.minSwapIntervalMs} ms; the next is allowed in ${wait} ms (pass { force: true } to override)`,
      );
    }
    return this.#switchTo(await this.#admit(source), 'swapped');
  }

  /** When the rate limit next allows a swap. */
  get nextSwapAllowedAt(): Date {
    return new Date(this.#lastSwapAt + this.#options.minSwapIntervalMs);
  }

  /** Loads and checks a candidate, then lets it serve a share of traffic and promotes or drops it on its numbers. */
  async canary(source: string | Uint8Array, options?: CanaryOptions): Promise<CanaryResult> {
    this.assertAlive();
    const opts = resolveCanaryOptions(options);
    if (this.#canary) throw new TrtjsError('ERR_RATE_LIMITED', 'a canary is already running');
    this.#checkNotSwapping('canary');
    const served = await this.#admit(source);
    return new Promise<CanaryResult>((resolve, reject) => {
      this.#canary = new Canary(served, opts, { resolve, reject });
    });
  }

  #judgeCanary(c: Canary): void {
    if (this.#canary !== c) return;
    const result = c.verdict();
    if (!result) return;
    this.#canary = undefined;
    if (result.promoted) {
      this.#switchTo(c.served, 'promoted');
      c.settle.resolve(result);
    } else {
      this.#record({ at: new Date(), source: c.served.source, result: 'rolledBack', stage: 'canary', reason: result.reason, stages: {}, totalMs: 0 });
      this.#emit('rolledBack', { version: this.#current.info, from: c.served.info, reason: `canary: ${result.reason}` });
      void this.#retire(c.served);
      c.settle.resolve(result);
    }
  }

  #checkNotSwapping(what: string): void {
    if (this.#swapping) throw new TrtjsError('ERR_RATE_LIMITED', `a swap is already in progress; ${what} refused`);
  }

  /** Runs the candidate's checks (one pipeline at a time); records and reports a rejection. */
  async #admit(source: string | Uint8Array): Promise<Served> {
    const ctx: AdmissionContext = {
      options: this.#options,
      serving: () => this.#current.predictor.info,
      onServing: (work) => this.#use(this.#current, work),
      closed: () => this.disposed,
      timed: (stage, ms) => this.#metrics.stage.observe({ stage }, ms / 1000),
    };
    this.#emit('loading', { source: typeof source === 'string' ? source : `the ${source.length}-byte model` });
    const job = admit(source, ctx);
    this.#swapping = job;
    try {
      const a = await job;
      const served = new Served(this.#nextVersion++, a.source, a.sha256, a.predictor);
      for (const message of a.predictor.warnings) this.#emit('warning', { source: a.source, message });
      served.admitted = { at: new Date(), source: a.source, result: 'swapped', stages: a.stages, totalMs: a.totalMs, version: served.version };
      return served;
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      const { rejection } = err;
      this.#metrics.swaps.inc({ result: 'rejected' });
      this.#record({
        at: new Date(),
        source: err.source,
        result: 'rejected',
        stage: this.disposed ? 'closed' : rejection.stage,
        reason: rejection.message,
        stages: err.stages,
        totalMs: err.totalMs,
      });
      this.#emit('rejected', { source: err.source, stage: rejection.stage, reason: rejection.message });
      throw validationError(rejection);
    } finally {
      this.#swapping = undefined;
    }
  }

  #switchTo(served: Served, result: 'swapped' | 'promoted'): ModelVersion {
    const t0 = performance.now();
    const old = this.#current;
    // The switch itself is one assignment on the JS thread: every later request sees the new model.
    this.#current = served;
    this.#lastSwapAt = Date.now();
    const record = served.admitted;
    const stages = { ...(record?.stages ?? {}), switch: performance.now() - t0 };
    this.#metrics.swaps.inc({ result });
    this.#record({ at: new Date(), source: served.source, result, version: served.version, stages, totalMs: (record?.totalMs ?? 0) + stages.switch });
    this.#emit('swapped', { version: served.info, previous: old.info });
    if (this.#options.keepPrevious) {
      const older = this.#previous;
      this.#previous = old;
      if (older) void this.#retire(older);
    } else {
      void this.#retire(old);
    }
    return served.info;
  }

  /** Switches back to the previous model (kept with `keepPrevious`). Not rate-limited, but it counts as a swap. */
  async rollback(): Promise<ModelVersion> {
    this.assertAlive();
    const previous = this.#previous;
    if (!previous) throw new TrtjsError('ERR_VALIDATION', 'rollback: no previous model is kept (open the host with keepPrevious: true)');
    const from = this.#current;
    this.#previous = undefined;
    this.#current = previous;
    this.#lastSwapAt = Date.now();
    this.#record({ at: new Date(), source: previous.source, result: 'rolledBack', version: previous.version, stages: {}, totalMs: 0 });
    this.#emit('rolledBack', { version: previous.info, from: from.info, reason: 'rollback()' });
    void this.#retire(from);
    return previous.info;
  }

  /** Lets a replaced model finish its requests (up to drainTimeoutMs), then releases it. */
  #retire(served: Served): Promise<void> {
    const done = served
      .retire(this.#options.drainTimeoutMs)
      .then((evicted) => this.#emit('drained', { version: served.info, evicted }))
      .finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
    return done;
  }

  /**
   * Follows a model file (or a directory of versions: the newest wins) and swaps when it has changed and stopped
   * changing. Write new models under a temporary name and rename them into place. Within the rate limit a changed
   * file is deferred (a `deferred` event says until when) and taken in its latest state once allowed. Returns a
   * function that stops watching; the watcher never keeps the process alive by itself.
   */
  watch(path: string, options?: WatchOptions): () => void {
    this.assertAlive();
    const stop = watchModel(path, options, {
      served: () => this.#current.sha256,
      nextAllowedAt: () => this.nextSwapAllowedAt.getTime(),
      busy: () => !!this.#swapping,
      swap: (file) => this.swap(file),
      deferred: (file, retryAt) => {
        this.#metrics.deferred.inc();
        this.#emit('deferred', { source: file, retryAt: new Date(retryAt), reason: `one swap per ${this.#options.minSwapIntervalMs} ms (minSwapIntervalMs)` });
      },
      error: (err) => this.#emit('error', err),
    });
    this.#stopWatchers.push(stop);
    return stop;
  }

  status(): HostStatus {
    const c = this.#canary;
    return {
      ready: !this.disposed,
      current: this.#current.info,
      previous: this.#previous?.info,
      canary: c && { ...c.served.info, fraction: c.options.fraction, requests: c.requests, errors: c.errors },
      inFlight: this.#current.inFlight + (this.#previous?.inFlight ?? 0) + (c?.served.inFlight ?? 0),
      queued: this.#queue.waiting,
      requests: this.#requests,
      errors: this.#errors,
      swaps: [...this.#history],
      nextSwapAllowedAt: this.nextSwapAllowedAt,
    };
  }

  /** Metrics in Prometheus text format. */
  metrics(): Promise<string> {
    return this.#metrics.registry.metrics();
  }

  #record(r: SwapRecord): void {
    this.#history.push(r);
    if (this.#history.length > 100) this.#history.shift();
  }

  #closedError(): TrtjsError {
    return new TrtjsError('ERR_DISPOSED', 'ModelHost has been closed');
  }

  /**
   * Stops watchers, answers waiting requests with ERR_DISPOSED, lets running ones finish (up to drainTimeoutMs) and
   * releases every model. A canary in progress rejects with ERR_DISPOSED. Idempotent.
   */
  close(): Promise<void> {
    return this.dispose();
  }

  protected async release(): Promise<void> {
    for (const stop of this.#stopWatchers) stop();
    this.#queue.close(this.#closedError());
    const canary = this.#canary;
    this.#canary = undefined;
    canary?.settle.reject(new TrtjsError('ERR_DISPOSED', 'the ModelHost was closed during the canary'));
    await this.#swapping?.catch(() => undefined);
    await Promise.all([this.#retire(this.#current), this.#previous && this.#retire(this.#previous), canary && this.#retire(canary.served)]);
    // Models replaced earlier may still be draining.
    await Promise.all([...this.#retiring]);
  }
}

/** A golden expectation must fit the host's task: detections for box tasks, or a result of that task. */
function checkGoldenOption(golden: ModelHostOptions['golden'], task: Task): void {
  if (!golden) return;
  checkImageInput('ModelHost.open: options.golden.image', golden.image);
  const expected: unknown = golden.expected;
  if (expected === undefined) return;
  if (Array.isArray(expected)) {
    if (task === 'obb' || task === 'classify') {
      throw new BadInputError(
        `ModelHost.open: options.golden.expected is a list of detections, which fits detect, segment and pose models; this is ${aTask(task)} model: give ${aTask(task)} result (from Predictor.predict) or leave it out to use the serving model's own`,
      );
    }
    return;
  }
  const got = (expected as { task?: unknown } | null)?.task;
  if (got === undefined) check.fail('ModelHost.open: options.golden.expected', `a list of detections or ${aTask(task)} result`, expected);
  if (got !== task)
    throw new BadInputError(
      `ModelHost.open: options.golden.expected is ${aTask(String(got))} result; this is ${aTask(task)} model: give ${aTask(task)} result`,
    );
}

function validationError(rejection: CandidateRejection): TrtjsError {
  return Object.assign(new TrtjsError('ERR_VALIDATION', `candidate rejected at ${rejection.stage}: ${rejection.message}`), { stage: rejection.stage });
}

export type { CanaryOptions, CanaryResult, ModelHostOptions, ModelVersion, SwapRecord };
