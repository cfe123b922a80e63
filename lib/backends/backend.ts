import type { ModelInfo, TensorDtype } from '../model/model-info.js';

/** The arrays that hold each tensor dtype (float16 as raw IEEE half bits). */
export type TensorData = Float32Array | Uint16Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Float64Array;

/** A dense tensor: `data` holds product(dims) elements in row-major order. */
export interface Tensor {
  dtype: TensorDtype;
  dims: number[];
  data: TensorData;
}

/**
 * An inference engine for one model: ONNX Runtime on the CPU, or TensorRT. `run` never blocks the event loop
 * for the duration of inference.
 */
export interface Backend extends AsyncDisposable {
  readonly kind: 'onnxruntime' | 'tensorrt';
  /** IO signature and metadata of the loaded model. */
  readonly info: ModelInfo;
  /** Runs the model. Feeds are checked against the IO signature first (ERR_SHAPE / ERR_BAD_INPUT). */
  run(feeds: Record<string, Tensor>, options?: { signal?: AbortSignal }): Promise<Record<string, Tensor>>;
  /** Releases the model; pending runs settle first. Idempotent. */
  dispose(): Promise<void>;
}
