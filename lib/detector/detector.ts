import type { Backend } from '../backends/backend.js';
import { Resource } from '../lifetime.js';
import type { ModelInfo } from '../model/model-info.js';
import type { ModelSource } from '../model/read-model.js';
import type { DecodeOptions } from '../ops/decode.js';
import { Pipeline, type ImageInput, type PipelineOptions } from '../predictor/pipeline.js';
import { aTask, type DetectResult } from '../tasks/types.js';
import { toDetections, type Detection } from './detection.js';

export type { ImageInput };

/** Per-call options, with Ultralytics predict's defaults. */
export type DetectOptions = Pick<DecodeOptions, 'conf' | 'iou' | 'maxDet' | 'classes' | 'agnostic' | 'multiLabel'> & {
  /** Settles the request at once with ERR_ABORTED, whether it waits or runs. */
  signal?: AbortSignal;
};

export interface DetectorOptions extends Omit<DetectOptions, 'signal'>, PipelineOptions {}

const NAMES = { what: 'Detector', call: 'detect', batch: 'detectBatch' };

/**
 * Image in, detections out: decode the image → letterbox → backend → decode + NMS → scaleBoxes, configured from the
 * model's metadata (class names, input size, stride, head). Results match Ultralytics' predict on the same image and
 * model. The detection face of the pipeline every task shares ({@link Predictor} for the others): a model of another
 * task is refused at create with ERR_BAD_MODEL.
 *
 * Requests are answered in a bounded queue (`maxQueue`): an image is decoded only when a slot takes it, letterboxing
 * runs off the event loop, and every request settles exactly once, with its detections or a coded error
 * (ERR_ABORTED, ERR_DISPOSED, ERR_QUEUE_FULL, …), whatever happens meanwhile.
 *
 * @example
 * ```ts
 * const detector = await Detector.create('yolov8n.onnx');
 * try {
 *   for (const d of await detector.detect('bus.jpg')) console.log(d.className, d.score.toFixed(2), d.box);
 * } finally {
 *   await detector.dispose();
 * }
 * ```
 */
export class Detector extends Resource {
  readonly backend: Backend;
  readonly info: ModelInfo;
  /** Requests processed at once (options.concurrency). */
  readonly concurrency: number;
  /**
   * What TensorRT warned about while loading the engine (a plan made on another GPU model or TensorRT version, for
   * one): read it, or log it, after `create`. Empty for ONNX Runtime.
   */
  readonly warnings: readonly string[];
  readonly #pipeline: Pipeline;

  private constructor(pipeline: Pipeline) {
    super('Detector');
    this.#pipeline = pipeline;
    this.backend = pipeline.backend;
    this.info = pipeline.info;
    this.concurrency = pipeline.concurrency;
    this.warnings = pipeline.warnings;
  }

  /** Opens a model (path or bytes of ONNX or an engine), or wraps an already loaded backend (disposed with it). */
  static async create(model: ModelSource | Backend, options?: DetectorOptions): Promise<Detector> {
    const pipeline = await Pipeline.open(model, options, NAMES, {
      task: 'detect',
      mismatch: (task, byOutputs) =>
        `the model is ${aTask(task)} model${byOutputs ? ' (by its outputs; it has no task metadata)' : ''}, not a detect model (a Detector would misread its outputs); open it with Predictor (\`trtjs predict\` on the command line)`,
    });
    return new Detector(pipeline);
  }

  /**
   * Whether requests run image in, detections out on the GPU (an engine with a detection head of static shape, and
   * `options.imageIn` not false): letterbox, decode and NMS on the device, only the detections copied back.
   */
  get imageIn(): boolean {
    return this.#pipeline.imageIn;
  }

  /** Input size [height, width] images are letterboxed to. */
  get imgsz(): [number, number] {
    return this.#pipeline.imgsz;
  }

  /** Requests running and waiting now. */
  get load(): { running: number; waiting: number } {
    return this.#pipeline.load;
  }

  /** Detects objects in one image. */
  async detect(image: ImageInput, options?: DetectOptions): Promise<Detection[]> {
    this.assertAlive();
    const [result] = await this.#pipeline.run([image], options, false);
    return toDetections(result as DetectResult);
  }

  /**
   * Detects objects in several images, as one request: one inference with a batch where the model's batch is
   * dynamic, one per image otherwise. Results are in input order.
   */
  async detectBatch(images: ImageInput[], options?: DetectOptions): Promise<Detection[][]> {
    this.assertAlive();
    const results = await this.#pipeline.run(images, options, true);
    return results.map((r) => toDetections(r as DetectResult));
  }

  /**
   * Refuses new requests; waiting ones reject with ERR_DISPOSED, running ones finish; then the backend is released.
   * Idempotent.
   */
  protected release(): Promise<void> {
    return this.#pipeline.close(this.disposedError());
  }
}
