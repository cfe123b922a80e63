import { TrtjsError, settleNative } from '../errors.js';
import { readEngineFile } from '../model/engine-file.js';
import { inspectEngine } from '../model/inspect-engine.js';
import type { ModelInfo, TensorDtype } from '../model/model-info.js';
import { looksLikeOnnx, readModelBytes, type ModelSource } from '../model/read-model.js';
import { addon, layerFunction } from '../native/binding.js';
import * as check from '../util/validate.js';
import type { Backend, Tensor, TensorData } from './backend.js';
import { checkFeeds } from './check-feeds.js';

export interface TensorRtOptions {
  /** CUDA device. Default 0. */
  device?: number;
  /** Execution contexts (concurrent requests), each with its own stream and buffers. Default 1. */
  contexts?: number;
}

const TRT_DTYPES: TensorDtype[] = ['float32', 'float16', 'int8', 'int32', 'bool', 'uint8', 'unknown', 'bfloat16', 'int64'];
const ARRAYS: Partial<Record<TensorDtype, { new (b: ArrayBuffer, o: number, n: number): TensorData; BYTES_PER_ELEMENT: number }>> = {
  float32: Float32Array, float16: Uint16Array, int8: Int8Array, int32: Int32Array, uint8: Uint8Array, int64: BigInt64Array, bool: Uint8Array,
};

/**
 * TensorRT inference on a serialized engine (Ultralytics `.engine` or plain plan). Requests run off the JS
 * thread on a pool of execution contexts.
 *
 * @example
 * ```ts
 * await using backend = await TensorRtBackend.load('yolo11n.engine', { contexts: 2 });
 * const { output0 } = await backend.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
 * ```
 */
export class TensorRtBackend implements Backend {
  readonly kind = 'tensorrt' as const;
  readonly info: ModelInfo;
  #handle: unknown;

  private constructor(info: ModelInfo, handle: unknown) {
    this.info = info;
    this.#handle = handle;
  }

  static async load(source: ModelSource, options?: TensorRtOptions): Promise<TensorRtBackend> {
    const o = check.options<TensorRtOptions>('TensorRtBackend.load: options', options);
    const device = check.optional(o.device, 0, (v) => check.integer('TensorRtBackend.load: options.device', v, 0, 64));
    const contexts = check.optional(o.contexts, 1, (v) => check.integer('TensorRtBackend.load: options.contexts', v, 1, 64));
    const { bytes, name } = await readModelBytes(source, 'engine');
    if (looksLikeOnnx(bytes, name)) throw new TrtjsError('ERR_BAD_INPUT', `${name} is an ONNX model: build an engine from it first (buildEngine or trtjs build)`);
    const info = await inspectEngine(bytes, { device });
    const load = layerFunction('trtLoadEngine', 'tensorrt');
    const handle = await settleNative(() => load(readEngineFile(bytes, name).plan, device, contexts));
    return new TensorRtBackend(info, handle);
  }

  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    if (this.#handle === undefined) throw new TrtjsError('ERR_DISPOSED', 'TensorRtBackend has been disposed');
    checkFeeds(feeds, this.info.inputs, 'TensorRtBackend.run');
    const run = addon().trtRun!;
    const outs = await settleNative(() => run(this.#handle, Object.entries(feeds).map(([name, t]) => ({ name, shape: t.dims, data: t.data }))));
    const result: Record<string, Tensor> = {};
    for (const o of outs) {
      const dtype = TRT_DTYPES[o.dtype] ?? 'unknown';
      const Ctor = ARRAYS[dtype];
      if (!Ctor) throw new TrtjsError('ERR_NATIVE', `output '${o.name}' has an unsupported data type (${dtype})`);
      // A fresh, aligned copy: Buffer memory may start at any offset.
      const aligned = new Uint8Array(o.data.byteLength);
      aligned.set(o.data);
      result[o.name] = { dtype, dims: o.shape, data: new Ctor(aligned.buffer, 0, o.data.byteLength / Ctor.BYTES_PER_ELEMENT) };
    }
    return result;
  }

  async dispose(): Promise<void> {
    if (this.#handle === undefined) return;
    addon().trtDisposeEngine?.(this.#handle);
    this.#handle = undefined;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
