/**
 * The minimal image → outputs path validation needs for every task: open the model (ONNX Runtime for ONNX, TensorRT
 * for engines), pre-process as the task requires (letterbox, or the classification resize + crop), run, keep the
 * frame. It stands in for the task-aware predictor until that lands in lib/; it holds no policy of its own.
 */
import type { Backend, Tensor } from '../backends/backend.js';
import { OnnxRuntimeBackend, type OnnxRuntimeOptions } from '../backends/onnxruntime.js';
import { TensorRtBackend, type TensorRtOptions } from '../backends/tensorrt.js';
import { capabilities } from '../capabilities.js';
import { BadInputError, TrtjsError } from '../errors.js';
import { loadImage } from '../image/load.js';
import type { RawImage } from '../image/raw-image.js';
import { readEngineFile } from '../model/engine-file.js';
import type { ModelInfo } from '../model/model-info.js';
import { looksLikeOnnx, readModelBytes, type ModelSource } from '../model/read-model.js';
import { letterbox, type LetterboxDtype } from '../ops/letterbox.js';
import { classifyTransform } from '../tasks/classify/transform.js';
import { PER_TASK } from '../defaults.js';
import { letterboxFrame } from '../tasks/frame.js';
import { headFor } from '../tasks/registry.js';
import type { Frame, Task, TaskHead } from '../tasks/types.js';
import * as check from '../util/validate.js';

export interface TaskRunnerOptions {
  /** 'auto' (default): TensorRT for engines, ONNX Runtime for ONNX models. */
  backend?: 'auto' | 'onnxruntime' | 'tensorrt';
  /** Inference size for models with dynamic input (default: metadata imgsz, else 640; 224 for classification). */
  imgsz?: number | [number, number];
  /** Minimal-rectangle padding on dynamic models (`rect`). Default true. */
  rect?: boolean;
  onnxruntime?: OnnxRuntimeOptions;
  tensorrt?: TensorRtOptions;
}

export class TaskRunner {
  readonly backend: Backend;
  readonly info: ModelInfo;
  readonly head: TaskHead<Task, unknown>;
  readonly #input: { name: string; dtype: LetterboxDtype; size: [number, number]; dynamic: boolean };
  readonly #rect: boolean;

  private constructor(backend: Backend, options: TaskRunnerOptions) {
    this.backend = backend;
    this.info = backend.info;
    this.head = headFor(this.info);
    const input = this.info.inputs[0];
    if (this.info.inputs.length !== 1 || input.shape.length !== 4) {
      throw new TrtjsError('ERR_BAD_MODEL', `expected one image input [batch, 3, height, width], the model has ${this.info.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}`);
    }
    if (input.dtype !== 'float32' && input.dtype !== 'float16') throw new TrtjsError('ERR_BAD_MODEL', `image input must be float32 or float16, the model's is ${input.dtype}`);
    const [h, w] = [input.shape[2], input.shape[3]];
    const dynamic = typeof h !== 'number' || typeof w !== 'number' || h <= 0 || w <= 0;
    let size: [number, number];
    if (options.imgsz !== undefined) {
      const s = options.imgsz;
      size = typeof s === 'number' ? [s, s] : [s[0], s[1]];
      size.forEach((d, i) => check.integer(`val: options.detector.imgsz[${i}]`, d, 1, 8192));
      if (!dynamic && (size[0] !== h || size[1] !== w)) throw new TrtjsError('ERR_SHAPE', `imgsz [${size.join(', ')}] differs from the model's fixed input [${h}, ${w}]`);
    } else {
      const fallback = PER_TASK.imgsz[this.head.task];
      size = dynamic ? (this.info.imgsz ?? [fallback, fallback]) : [h as number, w as number];
    }
    this.#input = { name: input.name, dtype: input.dtype, size, dynamic };
    this.#rect = check.optional(options.rect, true, (v) => check.boolean('val: options.detector.rect', v));
  }

  static async open(model: ModelSource, options: TaskRunnerOptions = {}): Promise<TaskRunner> {
    const choice = check.optional(options.backend, 'auto' as const, (v) => check.oneOf('val: options.detector.backend', v, ['auto', 'onnxruntime', 'tensorrt'] as const));
    const { bytes, name } = await readModelBytes(model);
    const isEngine = !looksLikeOnnx(bytes, name);
    if (isEngine) readEngineFile(bytes, name);
    let backend: Backend;
    if (choice === 'tensorrt' || (choice === 'auto' && isEngine)) {
      const caps = await capabilities();
      if (!caps.tensorrt.available) throw new TrtjsError('ERR_TRT_UNAVAILABLE', `TensorRT is unavailable: ${caps.tensorrt.reason}`);
      backend = await TensorRtBackend.load(bytes, options.tensorrt);
    } else {
      if (isEngine) throw new BadInputError('val: ONNX Runtime cannot run a TensorRT engine; pass the ONNX model');
      backend = await OnnxRuntimeBackend.load(bytes, options.onnxruntime);
    }
    try {
      return new TaskRunner(backend, options);
    } catch (err) {
      await backend.dispose();
      throw err;
    }
  }

  /** Pre-processes one image, runs the model, and gives its outputs with the image's frame. */
  async infer(image: string | RawImage, signal?: AbortSignal): Promise<{ outputs: Record<string, Tensor>; frame: Frame; raw: RawImage }> {
    const raw = typeof image === 'string' ? await loadImage(image, { signal }) : image;
    const [h, w] = this.#input.size;
    let data: Float32Array | Uint16Array;
    let dims: number[];
    let frame: Frame;
    if (this.head.preprocess === 'classify') {
      if (h !== w) throw new TrtjsError('ERR_BAD_MODEL', `classify model: input ${h}x${w} is not square`);
      const t = classifyTransform(raw, { size: h, dtype: this.#input.dtype });
      [data, dims, frame] = [t.data as Float32Array | Uint16Array, t.shape, t.frame];
    } else {
      const lb = letterbox(raw, { size: [h, w], auto: this.#input.dynamic && this.#rect, stride: this.info.stride ?? 32, dtype: this.#input.dtype });
      [data, dims, frame] = [lb.data as Float32Array | Uint16Array, lb.shape, letterboxFrame(lb)];
    }
    const outputs = await this.backend.run({ [this.#input.name]: { dtype: this.#input.dtype, dims, data } }, { signal });
    return { outputs, frame, raw };
  }

  dispose(): Promise<void> {
    return this.backend.dispose();
  }
}
