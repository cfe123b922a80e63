import type { Backend, Tensor } from '../backends/backend.js';
import { Resource } from '../lifetime.js';
import type { ModelInfo } from '../model/model-info.js';
import type { ModelSource } from '../model/read-model.js';
import type { BoxOptionsInput } from '../tasks/options.js';
import { TASKS, aTask, type Frame, type ResultOf, type Task } from '../tasks/types.js';
import * as check from '../util/validate.js';
import { Pipeline, type ImageInput, type PipelineOptions } from './pipeline.js';

/**
 * Per-call options, with Ultralytics predict's defaults (conf 0.25, iou 0.7, maxDet 300, ...). Box options apply to
 * detect, segment, pose and obb models; `retinaMasks` to segment models; classification takes none.
 */
export interface PredictOptions extends BoxOptionsInput {
  /** Segmentation: masks at source resolution straight from the prototypes (`retina_masks`). Default false. */
  retinaMasks?: boolean;
  /** Settles the request at once with ERR_ABORTED, whether it waits or runs. */
  signal?: AbortSignal;
}

export interface PredictorOptions<T extends Task = Task> extends PipelineOptions, Omit<PredictOptions, 'signal'> {
  /** Refuse a model of any other task (ERR_BAD_MODEL), and type the results as this task's. */
  task?: T;
}

/**
 * Image in, results out, for every Ultralytics task: the model's `task` metadata (or its output layout where it has
 * none) chooses the head — detect, segment, pose, obb or classify — and results are typed by task, as Ultralytics'
 * `Results` carries `boxes`, `masks`, `keypoints`, `obb` or `probs`. A model whose task or layout trtjs does not
 * support is refused at create with ERR_BAD_MODEL naming it, never run as something else.
 *
 * Images are pre-processed as the task needs (letterbox; resize + centre crop for classification) off the event loop.
 * Requests are answered in a bounded queue (`maxQueue`): an image is decoded only when a slot takes it, and every
 * request settles exactly once, with its result or a coded error (ERR_ABORTED, ERR_DISPOSED, ERR_QUEUE_FULL, …).
 *
 * @example
 * ```ts
 * await using predictor = await Predictor.create('yolo11n-seg.onnx');
 * const r = await predictor.predict('bus.jpg');
 * if (r.task === 'segment') console.log(`${r.boxes.count} instances, ${r.masks.data.length} masks`);
 * ```
 */
export class Predictor<T extends Task = Task> extends Resource {
  readonly backend: Backend;
  readonly info: ModelInfo;
  /** The model's task: which head decodes its outputs. */
  readonly task: T;
  /** Requests processed at once (options.concurrency). */
  readonly concurrency: number;
  /**
   * What TensorRT warned about while loading the engine (a plan made on another GPU model or TensorRT version, for
   * one): read it, or log it, after `create`. Empty for ONNX Runtime.
   */
  readonly warnings: readonly string[];
  readonly #pipeline: Pipeline;

  private constructor(pipeline: Pipeline) {
    super('Predictor');
    this.#pipeline = pipeline;
    this.backend = pipeline.backend;
    this.info = pipeline.info;
    this.task = pipeline.task as T;
    this.concurrency = pipeline.concurrency;
    this.warnings = pipeline.warnings;
  }

  /**
   * Opens a model (path or bytes of ONNX or an engine), or wraps an already loaded backend (disposed with it).
   * Options set the backend, input size, queue and the per-call defaults.
   */
  static async create<T extends Task = Task>(model: ModelSource | Backend, options?: PredictorOptions<T>): Promise<Predictor<T>> {
    const task = check.options<PredictorOptions>('Predictor.create: options', options).task;
    const expected =
      task === undefined
        ? undefined
        : {
            task,
            mismatch: (actual: Task, byOutputs: boolean) =>
              `expected ${aTask(task)} model (options.task), this one is ${aTask(actual)} model${byOutputs ? ' (by its outputs; it has no task metadata)' : ''}`,
          };
    if (task !== undefined) check.oneOf('Predictor.create: options.task', task, TASKS);
    const pipeline = await Pipeline.open(model, options, { what: 'Predictor', call: 'predict', batch: 'predictBatch' }, expected);
    return new Predictor<T>(pipeline);
  }

  /** Input size [height, width] images are pre-processed to. */
  get imgsz(): [number, number] {
    return this.#pipeline.imgsz;
  }

  /** Requests running and waiting now. */
  get load(): { running: number; waiting: number } {
    return this.#pipeline.load;
  }

  /** The result for one image. */
  async predict(image: ImageInput, options?: PredictOptions): Promise<ResultOf<T>> {
    this.assertAlive();
    const [result] = await this.#pipeline.run([image], options, false);
    return result as ResultOf<T>;
  }

  /**
   * Results for several images, as one request: one inference with a batch where the model's batch is dynamic, one
   * per image otherwise. Results are in input order.
   */
  async predictBatch(images: ImageInput[], options?: PredictOptions): Promise<Array<ResultOf<T>>> {
    this.assertAlive();
    return (await this.#pipeline.run(images, options, true)) as Array<ResultOf<T>>;
  }

  /**
   * The model's raw outputs for one image and the frame that maps them back to it, through the same queue and
   * pre-processing as `predict`: for post-processing of your own (validation uses it for masks at prototype size).
   */
  async infer(image: ImageInput, options?: { signal?: AbortSignal }): Promise<{ outputs: Record<string, Tensor>; frame: Frame }> {
    this.assertAlive();
    return this.#pipeline.infer(image, options);
  }

  /**
   * Refuses new requests; waiting ones reject with ERR_DISPOSED, running ones finish; then the backend is released.
   * Idempotent.
   */
  protected release(): Promise<void> {
    return this.#pipeline.close(this.disposedError());
  }
}

export type { ImageInput };
