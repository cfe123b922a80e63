import { EventEmitter } from 'node:events';
import { readFile, stat } from 'node:fs/promises';

import type { Tensor } from '../backends/backend.js';
import type { Detection } from '../detector/detection.js';
import { Detector, type DetectOptions, type DetectorOptions, type ImageInput } from '../detector/detector.js';
import { TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';
import { CandidateRejection, checkCompatible, checkGolden, sha256, verifyHash, type GoldenTolerance, type HashPolicy, type SwapStage } from './candidate-checks.js';
import { HostMetrics } from './metrics.js';
import { watchModel, type WatchOptions } from './watch.js';

export interface ModelHostOptions extends HashPolicy {
  /** How each model is opened (backend, imgsz, threads). */
  detector?: DetectorOptions;
  /** Expected class names; default: those of the serving model. */
  labels?: string[];
  /** Golden check: an image, and the detections expected on it (default: the serving model's own). */
  golden?: { image: ImageInput; expected?: Detection[]; tolerance?: GoldenTolerance };
  /** Warm-up inferences before a candidate serves. Default 1. */
  warmup?: number;
  /** Keep the replaced model loaded for an instant rollback(). Default false. */
  keepPrevious?: boolean;
  /** How long a replaced model may take to finish its requests before it is released anyway. Default 30 s. */
  drainTimeoutMs?: number;
  /** Minimum time between swaps; faster requests get ERR_RATE_LIMITED (manual swaps may pass `force`). Default 60 s. */
  minSwapIntervalMs?: number;
}

export interface ModelVersion {
  version: number;
  source: string;
  sha256: string;
  loadedAt: Date;
}

export interface SwapRecord {
  at: Date;
  source: string;
  result: 'swapped' | 'rejected' | 'rolledBack' | 'promoted';
  stage?: SwapStage | 'closed';
  reason?: string;
  version?: number;
  /** Milliseconds per stage. */
  stages: Partial<Record<SwapStage, number>>;
  totalMs: number;
}

export interface HostStatus {
  ready: boolean;
  current: ModelVersion;
  previous?: ModelVersion;
  canary?: ModelVersion & { fraction: number; requests: number; errors: number };
  inFlight: number;
  requests: number;
  errors: number;
  swaps: SwapRecord[];
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

export interface CanaryResult {
  promoted: boolean;
  reason: string;
  candidate: { requests: number; errors: number; medianMs: number };
  current: { requests: number; medianMs: number };
}

interface Served extends ModelVersion {
  detector: Detector;
  inFlight: number;
  retired: boolean;
  onIdle?: () => void;
  /** Stage timings of the pipeline that admitted it, completed at the switch. */
  admitted?: SwapRecord;
}

interface Canary {
  served: Served;
  options: Required<CanaryOptions>;
  counter: number;
  requests: number;
  errors: number;
  latencies: number[];
  baseline: number[];
  settle: (r: CanaryResult) => void;
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);

/**
 * Serves a model and replaces it while serving: a candidate is loaded in the background, verified (hash,
 * IO signature, labels), warmed up and checked on a golden image, then switched in atomically. Requests already
 * running finish on the old model, which is released once they drain (or kept for rollback). A bad candidate
 * is rejected with its stage and reason; the service keeps its model.
 *
 * Events: `loading`, `swapped`, `rejected`, `rolledBack`, `drained`, `error`.
 *
 * @example
 * ```ts
 * await using host = await ModelHost.open('models/current.onnx', { keepPrevious: true });
 * host.on('rejected', (r) => log.warn(r.reason));
 * const dets = await host.detect(frame);
 * await host.swap('models/next.onnx');
 * host.watch('models/current.onnx'); // swaps when the file is replaced (write to a temp name, then rename)
 * ```
 */
export class ModelHost extends EventEmitter implements AsyncDisposable {
  readonly #options: ModelHostOptions;
  readonly #metrics = new HostMetrics();
  #current: Served;
  #previous: Served | undefined;
  #canary: Canary | undefined;
  #nextVersion = 2;
  #swapping: Promise<unknown> | undefined;
  #lastSwapAt = 0;
  #history: SwapRecord[] = [];
  #requests = 0;
  #errors = 0;
  #closed = false;
  #stopWatchers: Array<() => void> = [];
  #retiring = new Set<Promise<void>>();

  private constructor(options: ModelHostOptions, first: Served) {
    super();
    this.#options = options;
    this.#current = first;
  }

  /** Loads the first model (verified like any candidate, minus the comparison with a serving model). */
  static async open(source: string | Uint8Array, options?: ModelHostOptions): Promise<ModelHost> {
    const o = validateOptions(options);
    const { bytes, name } = await readSource(source);
    const digest = sha256(bytes);
    await verifyHash(digest, typeof source === 'string' ? source : undefined, o).catch((e) => {
      throw toValidationError(e);
    });
    const detector = await Detector.create(bytes, o.detector);
    return new ModelHost(o, { version: 1, source: name, sha256: digest, loadedAt: new Date(), detector, inFlight: 0, retired: false });
  }

  /** Detects objects with the current model (or the canary candidate for its share of traffic). */
  async detect(image: ImageInput, options?: DetectOptions): Promise<Detection[]> {
    return this.#serve((d) => d.detect(image, options));
  }

  /** Runs the current model's backend on raw tensors. */
  async run(feeds: Record<string, Tensor>, options?: { signal?: AbortSignal }): Promise<Record<string, Tensor>> {
    return this.#serve((d) => d.backend.run(feeds, options));
  }

  async #serve<T>(work: (d: Detector) => Promise<T>): Promise<T> {
    if (this.#closed) throw new TrtjsError('ERR_DISPOSED', 'ModelHost has been closed');
    const canary = this.#canary;
    if (canary && ++canary.counter * canary.options.fraction >= 1) {
      canary.counter = 0;
      const t0 = performance.now();
      try {
        const result = await this.#use(canary.served, work);
        canary.latencies.push(performance.now() - t0);
        canary.requests++;
        this.#judgeCanary();
        return result;
      } catch {
        // A failing candidate must not fail the request: count it and answer with the serving model.
        canary.requests++;
        canary.errors++;
        this.#judgeCanary();
      }
    }
    const t0 = performance.now();
    try {
      const result = await this.#use(this.#current, work);
      this.#canary?.baseline.push(performance.now() - t0);
      return result;
    } catch (err) {
      this.#errors++;
      throw err;
    }
  }

  async #use<T>(served: Served, work: (d: Detector) => Promise<T>): Promise<T> {
    served.inFlight++;
    this.#metrics.inFlight.inc();
    const label = { version: String(served.version) };
    const end = this.#metrics.latency.startTimer(label);
    this.#requests++;
    this.#metrics.requests.inc(label);
    try {
      return await work(served.detector);
    } catch (err) {
      this.#metrics.errors.inc(label);
      throw err;
    } finally {
      end();
      this.#metrics.inFlight.dec();
      served.inFlight--;
      if (served.inFlight === 0) served.onIdle?.();
    }
  }

  /**
   * Replaces the model after the candidate passes every check. Rejects with ERR_VALIDATION (and `stage`) when it
   * does not, ERR_RATE_LIMITED when swaps come faster than `minSwapIntervalMs` (unless `force`).
   */
  async swap(source: string | Uint8Array, options?: { force?: boolean }): Promise<ModelVersion> {
    const served = await this.#admit(source, options?.force ?? false, 'swap');
    return this.#switchTo(served);
  }

  /** Loads and checks a candidate, then lets it serve a share of traffic and promotes or drops it on its numbers. */
  async canary(source: string | Uint8Array, options?: CanaryOptions): Promise<CanaryResult> {
    const o = check.options<CanaryOptions>('canary: options', options);
    const opts: Required<CanaryOptions> = {
      fraction: check.optional(o.fraction, 0.1, (v) => check.number('canary: options.fraction', v, Number.MIN_VALUE, 1)),
      minRequests: check.optional(o.minRequests, 50, (v) => check.integer('canary: options.minRequests', v, 1)),
      maxErrorRate: check.optional(o.maxErrorRate, 0.01, (v) => check.number('canary: options.maxErrorRate', v, 0, 1)),
      maxLatencyRatio: check.optional(o.maxLatencyRatio, 1.5, (v) => check.number('canary: options.maxLatencyRatio', v, Number.MIN_VALUE)),
    };
    if (this.#canary) throw new TrtjsError('ERR_RATE_LIMITED', 'a canary is already running');
    const served = await this.#admit(source, true, 'canary');
    return new Promise<CanaryResult>((resolve) => {
      this.#canary = { served, options: opts, counter: 0, requests: 0, errors: 0, latencies: [], baseline: [], settle: resolve };
    });
  }

  #judgeCanary(): void {
    const c = this.#canary;
    if (!c || c.requests < c.options.minRequests) return;
    this.#canary = undefined;
    const errorRate = c.errors / c.requests;
    const ratio = median(c.baseline) > 0 ? median(c.latencies) / median(c.baseline) : 1;
    const promoted = errorRate <= c.options.maxErrorRate && ratio <= c.options.maxLatencyRatio;
    const reason = promoted
      ? `error rate ${errorRate.toFixed(3)}, latency ratio ${ratio.toFixed(2)}`
      : errorRate > c.options.maxErrorRate
        ? `error rate ${errorRate.toFixed(3)} > ${c.options.maxErrorRate}`
        : `latency ratio ${ratio.toFixed(2)} > ${c.options.maxLatencyRatio}`;
    const result: CanaryResult = {
      promoted,
      reason,
      candidate: { requests: c.requests, errors: c.errors, medianMs: median(c.latencies) },
      current: { requests: c.baseline.length, medianMs: median(c.baseline) },
    };
    if (promoted) {
      void this.#switchTo(c.served, 'promoted').then(() => c.settle(result));
    } else {
      this.#record({ at: new Date(), source: c.served.source, result: 'rolledBack', stage: 'canary', reason, stages: {}, totalMs: 0 });
      this.emit('rolledBack', { version: c.served.version, reason });
      void this.#retire(c.served).then(() => c.settle(result));
    }
  }

  /** Runs the swap pipeline up to (not including) the switch; one at a time. */
  async #admit(source: string | Uint8Array, force: boolean, kind: 'swap' | 'canary'): Promise<Served> {
    if (this.#closed) throw new TrtjsError('ERR_DISPOSED', 'ModelHost has been closed');
    const now = Date.now();
    if (this.#swapping) throw new TrtjsError('ERR_RATE_LIMITED', `a swap is already in progress; ${kind} refused`);
    const interval = this.#options.minSwapIntervalMs ?? 60_000;
    if (!force && now - this.#lastSwapAt < interval) {
      throw new TrtjsError('ERR_RATE_LIMITED', `swaps are limited to one per ${interval} ms; the last was ${now - this.#lastSwapAt} ms ago (pass { force: true } to override)`);
    }
    this.#lastSwapAt = now;
    const job = this.#pipeline(source);
    this.#swapping = job;
    try {
      return await job;
    } finally {
      this.#swapping = undefined;
    }
  }

  async #pipeline(source: string | Uint8Array): Promise<Served> {
    const t0 = performance.now();
    const stages: SwapRecord['stages'] = {};
    const name = typeof source === 'string' ? source : `${source.length}-byte model`;
    let stage: SwapStage = 'read';
    let candidate: Detector | undefined;
    const timed = async <T>(s: SwapStage, fn: () => Promise<T>): Promise<T> => {
      stage = s;
      const start = performance.now();
      if (this.#closed) throw new CandidateRejection(s, 'the host was closed during the swap');
      const out = await fn();
      stages[s] = performance.now() - start;
      this.#metrics.stage.observe({ stage: s }, stages[s]! / 1000);
      return out;
    };
    this.emit('loading', { source: name });
    try {
      const { bytes } = await timed('read', () => readSource(source));
      const digest = sha256(bytes);
      await timed('verify', () => verifyHash(digest, typeof source === 'string' ? source : undefined, this.#options));
      candidate = await timed('load', async () => {
        try {
          return await Detector.create(bytes, this.#options.detector);
        } catch (err) {
          throw new CandidateRejection('load', (err as Error).message);
        }
      });
      const loaded = candidate;
      await timed('validate', async () => checkCompatible(this.#current.detector.info, loaded.info, this.#options.labels));
      const golden = this.#options.golden;
      await timed('warmup', async () => {
        const n = this.#options.warmup ?? 1;
        const image = golden?.image ?? syntheticImage(loaded.imgsz);
        for (let i = 0; i < n; i++) {
          try {
            await loaded.detect(image);
          } catch (err) {
            throw new CandidateRejection('warmup', `inference failed: ${(err as Error).message}`);
          }
        }
      });
      if (golden) {
        await timed('golden', async () => {
          const expected = golden.expected ?? (await this.#use(this.#current, (d) => d.detect(golden.image)));
          checkGolden(expected, await loaded.detect(golden.image), golden.tolerance);
        });
      }
      if (this.#closed) throw new CandidateRejection('switch', 'the host was closed during the swap');
      const version = this.#nextVersion++;
      return {
        version, source: name, sha256: digest, loadedAt: new Date(), detector: loaded, inFlight: 0, retired: false,
        admitted: { at: new Date(), source: name, result: 'swapped', stages, totalMs: performance.now() - t0, version },
      };
    } catch (err) {
      await candidate?.dispose();
      const rejection = err instanceof CandidateRejection ? err : new CandidateRejection(stage, (err as Error).message);
      const closed = this.#closed;
      this.#metrics.swaps.inc({ result: 'rejected' });
      this.#record({ at: new Date(), source: name, result: 'rejected', stage: closed ? 'closed' : rejection.stage, reason: rejection.message, stages, totalMs: performance.now() - t0 });
      this.emit('rejected', { source: name, stage: rejection.stage, reason: rejection.message });
      throw toValidationError(rejection);
    }
  }

  async #switchTo(served: Served, result: 'swapped' | 'promoted' = 'swapped'): Promise<ModelVersion> {
    const t0 = performance.now();
    const old = this.#current;
    // The switch itself is one assignment on the JS thread: every later request sees the new model.
    this.#current = served;
    const record = served.admitted;
    const stages = { ...(record?.stages ?? {}), switch: performance.now() - t0 };
    this.#metrics.swaps.inc({ result });
    this.#record({ at: new Date(), source: served.source, result, version: served.version, stages, totalMs: (record?.totalMs ?? 0) + stages.switch });
    this.emit('swapped', { version: versionOf(served), previous: versionOf(old) });
    if (this.#options.keepPrevious) {
      const older = this.#previous;
      this.#previous = old;
      if (older) void this.#retire(older);
    } else {
      void this.#retire(old);
    }
    return versionOf(served);
  }

  /** Switches back to the previous model (kept with `keepPrevious`). */
  async rollback(): Promise<ModelVersion> {
    if (this.#closed) throw new TrtjsError('ERR_DISPOSED', 'ModelHost has been closed');
    const previous = this.#previous;
    if (!previous) throw new TrtjsError('ERR_VALIDATION', 'rollback: no previous model is kept (open the host with keepPrevious: true)');
    const from = this.#current;
    this.#previous = undefined;
    this.#current = previous;
    this.#record({ at: new Date(), source: previous.source, result: 'rolledBack', version: previous.version, stages: {}, totalMs: 0 });
    this.emit('rolledBack', { version: versionOf(previous), from: versionOf(from) });
    void this.#retire(from);
    return versionOf(previous);
  }

  /** Waits for a replaced model's requests (up to drainTimeoutMs), then releases it. */
  #retire(served: Served): Promise<void> {
    const done = this.#drainAndRelease(served).finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
    return done;
  }

  async #drainAndRelease(served: Served): Promise<void> {
    served.retired = true;
    if (served.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.drainTimeoutMs ?? 30_000);
        served.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await served.detector.dispose();
    this.emit('drained', { version: versionOf(served) });
  }

  /**
   * Follows a model file (or a directory of versions: the newest wins) and swaps when it has changed and stopped
   * changing. Write new models under a temporary name and rename them into place. Returns a function that stops
   * watching.
   */
  watch(path: string, options?: WatchOptions): () => void {
    if (this.#closed) throw new TrtjsError('ERR_DISPOSED', 'ModelHost has been closed');
    const stop = watchModel(path, options, {
      served: () => this.#current.sha256,
      nextAllowedAt: () => this.#lastSwapAt + (this.#options.minSwapIntervalMs ?? 60_000),
      busy: () => !!this.#swapping,
      swap: (file) => this.swap(file),
      error: (err) => {
        if (this.listenerCount('error')) this.emit('error', err);
      },
    });
    this.#stopWatchers.push(stop);
    return stop;
  }

  status(): HostStatus {
    const c = this.#canary;
    return {
      ready: !this.#closed,
      current: versionOf(this.#current),
      previous: this.#previous && versionOf(this.#previous),
      canary: c && { ...versionOf(c.served), fraction: c.options.fraction, requests: c.requests, errors: c.errors },
      inFlight: this.#current.inFlight + (this.#previous?.inFlight ?? 0) + (c?.served.inFlight ?? 0),
      requests: this.#requests,
      errors: this.#errors,
      swaps: [...this.#history],
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

  /** Stops watchers, lets running requests finish (up to drainTimeoutMs) and releases every model. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#stopWatchers) stop();
    await this.#swapping?.catch(() => undefined);
    const canary = this.#canary;
    this.#canary = undefined;
    await Promise.all([this.#retire(this.#current), this.#previous && this.#retire(this.#previous), canary && this.#retire(canary.served)]);
    // Models replaced earlier may still be draining.
    await Promise.all([...this.#retiring]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function versionOf(s: Served): ModelVersion {
  return { version: s.version, source: s.source, sha256: s.sha256, loadedAt: s.loadedAt };
}

function toValidationError(err: unknown): TrtjsError {
  if (err instanceof CandidateRejection) {
    return Object.assign(new TrtjsError('ERR_VALIDATION', `candidate rejected at ${err.stage}: ${err.message}`), { stage: err.stage });
  }
  return err as TrtjsError;
}

async function readSource(source: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: `${source.length}-byte model` };
  if (typeof source !== 'string') check.fail('source', 'a model path or bytes', source);
  try {
    const before = await stat(source);
    const bytes = await readFile(source);
    const after = await stat(source);
    // A file still being written is not a model yet.
    if (before.size !== after.size || before.mtimeMs !== after.mtimeMs || bytes.length !== after.size) {
      throw new CandidateRejection('read', `${source} changed while it was being read`);
    }
    return { bytes, name: source };
  } catch (err) {
    if (err instanceof CandidateRejection) throw err;
    throw new CandidateRejection('read', `cannot read ${source}: ${(err as Error).message}`);
  }
}

function syntheticImage([h, w]: [number, number]) {
  return { data: new Uint8Array(h * w * 3).fill(114), width: w, height: h, channels: 3 as const, order: 'rgb' as const };
}

function validateOptions(options: unknown): ModelHostOptions {
  const o = check.options<ModelHostOptions>('ModelHost.open: options', options);
  if (o.expectedSha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(o.expectedSha256)) check.fail('ModelHost.open: options.expectedSha256', 'a hex SHA-256', o.expectedSha256);
  if (o.allowList !== undefined && (!Array.isArray(o.allowList) || !o.allowList.every((h) => /^[0-9a-fA-F]{64}$/.test(h)))) check.fail('ModelHost.open: options.allowList', 'an array of hex SHA-256 digests', o.allowList);
  if (o.sidecar !== undefined && o.sidecar !== 'auto') check.boolean('ModelHost.open: options.sidecar', o.sidecar);
  if (o.warmup !== undefined) check.integer('ModelHost.open: options.warmup', o.warmup, 0, 100);
  if (o.keepPrevious !== undefined) check.boolean('ModelHost.open: options.keepPrevious', o.keepPrevious);
  if (o.drainTimeoutMs !== undefined) check.integer('ModelHost.open: options.drainTimeoutMs', o.drainTimeoutMs, 0);
  if (o.minSwapIntervalMs !== undefined) check.integer('ModelHost.open: options.minSwapIntervalMs', o.minSwapIntervalMs, 0);
  if (o.labels !== undefined && (!Array.isArray(o.labels) || !o.labels.every((l) => typeof l === 'string'))) check.fail('ModelHost.open: options.labels', 'an array of class names', o.labels);
  return o as ModelHostOptions;
}
