import { Worker } from 'node:worker_threads';

import { SERVICE } from '../defaults.js';
import { TrtjsError } from '../errors.js';
import { Resource } from '../lifetime.js';
import type { ModelInfo } from '../model/model-info.js';
import { decodeOnnx, onnxModelInfo } from '../model/onnx-info.js';
import { readModelFile, type ModelSource } from '../model/read-model.js';
import { requireOnnxRuntime } from '../util/onnxruntime.js';
import { RequestQueue } from '../util/request-queue.js';
import * as check from '../util/validate.js';
import type { Backend, RunOptions, Tensor } from './backend.js';
import { checkFeeds } from './check-feeds.js';

export interface OnnxRuntimeOptions {
  /** Threads inside one operator (default: ONNX Runtime's choice, the number of physical cores). */
  intraOpThreads?: number;
  /** Threads across independent operators (default 1). */
  interOpThreads?: number;
  /** Requests that may wait (default 1024); one more rejects with ERR_QUEUE_FULL. */
  maxQueue?: number;
}

interface Pending {
  resolve(value: Record<string, Tensor>): void;
  reject(err: unknown): void;
}

type WorkerMessage = { type: string; id?: number; outputs?: Record<string, Tensor>; stage?: string; message?: string };

/**
 * What the worker's listeners need, kept apart from the backend object itself so that a backend nobody references
 * can be garbage-collected (and its worker ended by the safety net) even while the worker lives.
 */
interface Core {
  worker: Worker;
  queue: RequestQueue;
  pending: Map<number, Pending>;
  nextId: number;
  failure?: TrtjsError;
  exited: boolean;
  exit: Promise<void>;
  disposing: boolean;
  /** The backend was garbage-collected: end the worker once its last request is answered. */
  orphaned: boolean;
}

const counter = { live: 0 };
/** For the test hook only; the core never points back at its backend. */
const cores = new WeakMap<object, Core>();

function ortError(stage: string, message: string): TrtjsError {
  if (stage === 'load') return new TrtjsError('ERR_BAD_MODEL', `ONNX Runtime cannot load the model: ${message}`);
  if (/dimension|shape|rank/i.test(message)) return new TrtjsError('ERR_SHAPE', `ONNX Runtime: ${message}`);
  return new TrtjsError('ERR_NATIVE', `ONNX Runtime: ${message}`);
}

/** A dead worker fails every request it held and every later one, at once. */
function fail(core: Core, err: TrtjsError): void {
  core.failure ??= err;
  core.queue.close(core.failure);
  const pending = [...core.pending.values()];
  core.pending.clear();
  for (const p of pending) p.reject(core.failure);
}

/** The worker keeps the process alive only while it has a request to answer. */
function track(core: Core, delta: 1 | -1): void {
  if (delta === 1 && core.pending.size === 1) core.worker.ref();
  if (delta === -1 && core.pending.size === 0 && !core.disposing) {
    core.worker.unref();
    if (core.orphaned && !core.exited) void core.worker.terminate();
  }
}

function post(core: Core, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  if (core.failure) return Promise.reject(core.failure);
  const id = core.nextId++;
  return new Promise((resolve, reject) => {
    core.pending.set(id, { resolve, reject });
    track(core, 1);
    core.worker.postMessage({ type: 'run', id, feeds });
  });
}

function listen(core: Core): void {
  core.worker.on('message', (msg: WorkerMessage) => {
    if (msg.id === undefined) return;
    const p = core.pending.get(msg.id);
    if (!p) return;
    core.pending.delete(msg.id);
    if (msg.type === 'result') p.resolve(msg.outputs!);
    else p.reject(ortError(msg.stage ?? 'run', msg.message ?? 'unknown error'));
    track(core, -1);
  });
  core.worker.on('error', (err) => fail(core, new TrtjsError('ERR_NATIVE', `the ONNX Runtime worker failed: ${err.message}`, { cause: err })));
}

/**
 * ONNX Runtime's CPU execution provider (`onnxruntime-node`, an optional peer dependency). The session runs in a
 * worker thread so inference never blocks the event loop. Requests run in order, at most two in the worker at a
 * time; the others wait in a bounded queue where abort and dispose can still reach them. An idle backend does not
 * keep the process alive.
 *
 * @example
 * ```ts
 * const backend = await OnnxRuntimeBackend.load('yolov8n.onnx');
 * try {
 *   const { output0 } = await backend.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
 * } finally {
 *   await backend.dispose();
 * }
 * ```
 */
export class OnnxRuntimeBackend extends Resource implements Backend {
  readonly kind = 'onnxruntime' as const;
  readonly info: ModelInfo;
  readonly #core: Core;

  /** Backends loaded and not yet disposed (or collected) in this process, for leak checks. */
  static get live(): number {
    return counter.live;
  }

  private constructor(info: ModelInfo, core: Core) {
    super('OnnxRuntimeBackend');
    this.info = info;
    this.#core = core;
    cores.set(this, core);
    counter.live++;
    this.setSafetyNet(() => {
      counter.live--;
      core.orphaned = true;
      if (core.pending.size === 0 && !core.exited) void core.worker.terminate();
    });
  }

  /** Loads an ONNX model from a path or bytes. */
  static async load(source: ModelSource, options?: OnnxRuntimeOptions): Promise<OnnxRuntimeBackend> {
    const o = check.options<OnnxRuntimeOptions>('OnnxRuntimeBackend.load: options', options);
    const intra = check.optional(o.intraOpThreads, 0, (v) => check.integer('OnnxRuntimeBackend.load: options.intraOpThreads', v, 0, 1024));
    const inter = check.optional(o.interOpThreads, 0, (v) => check.integer('OnnxRuntimeBackend.load: options.interOpThreads', v, 0, 1024));
    const maxQueue = check.optional(o.maxQueue, SERVICE.maxQueue, (v) => check.integer('OnnxRuntimeBackend.load: options.maxQueue', v, 0, 1e9));
    await requireOnnxRuntime();
    const { bytes, name } = await readModelFile(source, 'onnx', 'OnnxRuntimeBackend.load');
    const info = onnxModelInfo(decodeOnnx(bytes, name));
    // Started from a string that imports the worker module: Node refuses a worker *file* when the process runs under
    // `--input-type` (a `node --input-type=module -e` script), and the process's other flags must pass unchanged.
    const entry = new URL('./onnxruntime-worker.mjs', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(entry)});`, { eval: true });
    const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
    const sessionOptions: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
    if (intra) sessionOptions.intraOpNumThreads = intra;
    if (inter) sessionOptions.interOpNumThreads = inter;
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (msg: WorkerMessage) => {
          if (msg.type === 'loaded') resolve();
          else reject(ortError(msg.stage ?? 'load', msg.message ?? 'unknown error'));
        });
        worker.once('error', (err) => reject(new TrtjsError('ERR_NATIVE', `the ONNX Runtime worker failed to start: ${err.message}`, { cause: err })));
        void exit.then((code) => reject(new TrtjsError('ERR_NATIVE', `the ONNX Runtime worker exited while loading ${name} (code ${code})`)));
        // A copy: the caller keeps its bytes.
        worker.postMessage({ type: 'load', bytes: new Uint8Array(bytes), options: sessionOptions });
      });
    } catch (err) {
      // Loading failed: nothing runs in the worker, so ending it is safe.
      await worker.terminate();
      throw err;
    }
    worker.removeAllListeners('message').removeAllListeners('error');
    const core: Core = {
      worker,
      queue: new RequestQueue('OnnxRuntimeBackend.run', SERVICE.onnxRuntimeInFlight, maxQueue),
      pending: new Map(),
      nextId: 0,
      exited: false,
      exit: exit.then(() => undefined),
      disposing: false,
      orphaned: false,
    };
    void exit.then((code) => {
      core.exited = true;
      fail(
        core,
        new TrtjsError('ERR_NATIVE', core.disposing ? 'OnnxRuntimeBackend has been disposed' : `the ONNX Runtime worker exited unexpectedly (code ${code})`),
      );
    });
    listen(core);
    worker.unref();
    return new OnnxRuntimeBackend(info, core);
  }

  /** Requests running in the worker, and requests waiting for it. */
  get load(): { running: number; waiting: number } {
    return { running: this.#core.queue.running, waiting: this.#core.queue.waiting };
  }

  async run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>> {
    this.assertAlive();
    const core = this.#core;
    if (core.failure) throw core.failure;
    checkFeeds(feeds, this.info.inputs, 'OnnxRuntimeBackend.run');
    const signal = check.optionalSignal('OnnxRuntimeBackend.run: options.signal', options?.signal);
    const plain: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) plain[name] = { dtype: t.dtype, dims: [...t.dims], data: t.data };
    return core.queue.run(() => post(core, plain), signal);
  }

  /**
   * Refuses new requests; waiting ones reject with ERR_DISPOSED, the (at most two) in the worker finish, then the
   * session is released and the worker exits.
   */
  protected async release(): Promise<void> {
    const core = this.#core;
    core.queue.close(this.disposedError());
    core.disposing = true;
    core.worker.ref();
    counter.live--;
    await core.queue.idle();
    if (!core.exited) {
      core.worker.postMessage({ type: 'dispose' });
      await core.exit;
    }
  }
}

/** Test hook (not exported from the package): makes the worker exit between runs, as a killed worker would. */
export function crashWorkerForTesting(backend: OnnxRuntimeBackend): void {
  const core = cores.get(backend);
  if (core && !core.exited) core.worker.postMessage({ type: 'crash' });
}
