import { Worker } from 'node:worker_threads';

import { TrtjsError } from '../errors.js';
import type { ModelInfo } from '../model/model-info.js';
import { decodeOnnx, onnxModelInfo } from '../model/onnx-info.js';
import { readModelBytes, type ModelSource } from '../model/read-model.js';
import { requireOnnxRuntime } from '../util/onnxruntime.js';
import * as check from '../util/validate.js';
import type { Backend, Tensor } from './backend.js';
import { checkFeeds } from './check-feeds.js';

export interface OnnxRuntimeOptions {
  /** Threads inside one operator (default: ONNX Runtime's choice, the number of physical cores). */
  intraOpThreads?: number;
  /** Threads across independent operators (default 1). */
  interOpThreads?: number;
}

interface Pending {
  resolve(value: Record<string, Tensor>): void;
  reject(err: unknown): void;
}

function ortError(stage: string, message: string): TrtjsError {
  if (stage === 'load') return new TrtjsError('ERR_BAD_MODEL', `ONNX Runtime cannot load the model: ${message}`);
  if (/dimension|shape|rank/i.test(message)) return new TrtjsError('ERR_SHAPE', `ONNX Runtime: ${message}`);
  return new TrtjsError('ERR_NATIVE', `ONNX Runtime: ${message}`);
}

/**
 * ONNX Runtime's CPU execution provider (`onnxruntime-node`, an optional peer dependency). The session runs in
 * a worker thread so inference never blocks the event loop; requests on one backend run in order.
 *
 * @example
 * ```ts
 * await using backend = await OnnxRuntimeBackend.load('yolov8n.onnx');
 * const { output0 } = await backend.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
 * ```
 */
export class OnnxRuntimeBackend implements Backend {
  readonly kind = 'onnxruntime' as const;
  readonly info: ModelInfo;
  #worker: Worker | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure: TrtjsError | undefined;
  #disposing: Promise<void> | undefined;
  static #live = 0;

  /** Backends loaded and not yet disposed in this process (for leak checks). */
  static get live(): number {
    return OnnxRuntimeBackend.#live;
  }

  private constructor(info: ModelInfo, worker: Worker) {
    this.info = info;
    this.#worker = worker;
    OnnxRuntimeBackend.#live++;
    worker.on('message', (msg: { type: string; id?: number; outputs?: Record<string, Tensor>; stage?: string; message?: string }) => {
      if (msg.id === undefined) return;
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.type === 'result') p.resolve(msg.outputs!);
      else p.reject(ortError(msg.stage ?? 'run', msg.message ?? 'unknown error'));
    });
    const fail = (err: TrtjsError) => {
      this.#failure ??= err;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    worker.on('error', (err) => fail(new TrtjsError('ERR_NATIVE', `the ONNX Runtime worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      if (!this.#disposing) fail(new TrtjsError('ERR_NATIVE', `the ONNX Runtime worker exited (code ${code})`));
    });
  }

  /** Loads an ONNX model from a path or bytes. */
  static async load(source: ModelSource, options?: OnnxRuntimeOptions): Promise<OnnxRuntimeBackend> {
    const o = check.options<OnnxRuntimeOptions>('OnnxRuntimeBackend.load: options', options);
    const intra = check.optional(o.intraOpThreads, 0, (v) => check.integer('OnnxRuntimeBackend.load: options.intraOpThreads', v, 0, 1024));
    const inter = check.optional(o.interOpThreads, 0, (v) => check.integer('OnnxRuntimeBackend.load: options.interOpThreads', v, 0, 1024));
    await requireOnnxRuntime();
    const { bytes, name } = await readModelBytes(source, 'model');
    const info = onnxModelInfo(decodeOnnx(bytes, name));
    const worker = new Worker(new URL('./onnxruntime-worker.mjs', import.meta.url));
    const sessionOptions: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
    if (intra) sessionOptions.intraOpNumThreads = intra;
    if (inter) sessionOptions.interOpNumThreads = inter;
    try {
      await new Promise<void>((resolve, reject) => {
        const onMessage = (msg: { type: string; stage?: string; message?: string }) => {
          worker.off('error', onError);
          if (msg.type === 'loaded') resolve();
          else reject(ortError(msg.stage ?? 'load', msg.message ?? 'unknown error'));
        };
        const onError = (err: Error) => reject(new TrtjsError('ERR_NATIVE', `the ONNX Runtime worker failed to start: ${err.message}`, { cause: err }));
        worker.once('message', onMessage);
        worker.once('error', onError);
        // A copy: the caller keeps its bytes.
        worker.postMessage({ type: 'load', bytes: new Uint8Array(bytes), options: sessionOptions });
      });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return new OnnxRuntimeBackend(info, worker);
  }

  async run(feeds: Record<string, Tensor>, options?: { signal?: AbortSignal }): Promise<Record<string, Tensor>> {
    if (this.#disposing || !this.#worker) throw new TrtjsError('ERR_DISPOSED', 'OnnxRuntimeBackend has been disposed');
    if (this.#failure) throw this.#failure;
    checkFeeds(feeds, this.info.inputs, 'OnnxRuntimeBackend.run');
    options?.signal?.throwIfAborted();
    const id = this.#nextId++;
    const plain: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) plain[name] = { dtype: t.dtype, dims: [...t.dims], data: t.data };
    return new Promise<Record<string, Tensor>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker!.postMessage({ type: 'run', id, feeds: plain });
    });
  }

  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      const worker = this.#worker!;
      // Let queued runs finish: the worker handles messages in order, so 'dispose' comes after them.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 30_000);
        worker.on('message', (m: { type: string }) => {
          if (m.type === 'disposed') {
            clearTimeout(timer);
            resolve();
          }
        });
        worker.postMessage({ type: 'dispose' });
      });
      await worker.terminate();
      this.#worker = undefined;
      OnnxRuntimeBackend.#live--;
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
