/// <reference lib="esnext.disposable" preserve="true" />
import type { ModelInfo, TensorDtype } from '../model/model-info.js';

/** The arrays that hold each tensor dtype (float16 as raw IEEE half bits). */
export type TensorData = Float32Array | Uint16Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Float64Array;

/** A dense tensor: `data` holds product(dims) elements in row-major order. */
export interface Tensor {
  dtype: TensorDtype;
  dims: number[];
  data: TensorData;
}

/** Per-request options. */
export interface RunOptions {
  /** Settles the request at once with ERR_ABORTED; a run already on the device or in the worker still completes. */
  signal?: AbortSignal;
}

/**
 * An inference engine for one model: ONNX Runtime on the CPU, or TensorRT. `run` never blocks the event loop
 * for the duration of inference.
 */
export interface Backend extends AsyncDisposable {
  readonly kind: 'onnxruntime' | 'tensorrt';
  /** IO signature and metadata of the loaded model. */
  readonly info: ModelInfo;
  /**
   * Runs the model. Feeds are checked against the IO signature first (ERR_SHAPE / ERR_BAD_INPUT). A full queue
   * rejects with ERR_QUEUE_FULL.
   */
  run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>>;
  /** Requests running and waiting now. */
  readonly load: { running: number; waiting: number };
  /** True once `dispose()` has been called. */
  readonly disposed: boolean;
  /**
   * Releases the model. Waiting requests reject with ERR_DISPOSED, running ones finish first. Idempotent; every
   * request ever accepted settles.
   */
  dispose(): Promise<void>;
}
