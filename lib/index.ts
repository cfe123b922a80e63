/**
 * trtjs: NVIDIA TensorRT for Node.js.
 *
 * @example
 * ```ts
 * import { capabilities } from 'trtjs';
 * console.log(await capabilities());
 * ```
 * @packageDocumentation
 */
export { PREDICT, VAL, PER_TASK, LETTERBOX, SERVICE, HOST, CANARY, GOLDEN, LIMITS } from './defaults.js';
export { TrtjsError, BadInputError, DisposedError, UnavailableError, type ErrorCode } from './errors.js';
export { capabilities, type Capabilities, type CudaDevice } from './capabilities.js';
export { Resource } from './lifetime.js';
export { PinnedBuffer } from './cuda/pinned-buffer.js';
export { deviceMemory } from './cuda/device-memory.js';
export {
  letterbox,
  letterboxAsync,
  letterboxBatchAsync,
  type LetterboxBatchResult,
  type LetterboxOptions,
  type LetterboxResult,
  type LetterboxDtype,
  type LetterboxLayout,
  type LetterboxArray,
} from './ops/letterbox.js';
export { decode, type DecodeOptions, type HeadFormat } from './ops/decode.js';
export { nms, type NmsOptions } from './ops/nms.js';
export { scaleBoxes, type BoxMapping } from './ops/scale-boxes.js';
export type { Detections } from './ops/detections.js';
export { loadImage, type LoadImageOptions } from './image/load.js';
export type { RawImage, PixelOrder } from './image/raw-image.js';
export { Detector, type DetectorOptions, type DetectOptions, type ImageInput } from './detector/detector.js';
export { toDetections, type Detection } from './detector/detection.js';
export { Predictor, type PredictorOptions, type PredictOptions } from './predictor/predictor.js';
export type { PipelineOptions } from './predictor/pipeline.js';
export type { Backend, RunOptions, Tensor, TensorData } from './backends/backend.js';
export { OnnxRuntimeBackend, type OnnxRuntimeOptions } from './backends/onnxruntime.js';
export { readModelInfo, type ModelSource, type NamedModelBytes } from './model/read-model.js';
export type { ModelInfo, TensorInfo, TensorDtype } from './model/model-info.js';
export { readEngineFile, writeEngineFile, type EngineFile } from './model/engine-file.js';
export { parsePythonLiteral, type PyValue } from './model/python-literal.js';
export { onnxToFloat16, onnxToFloat16WithReport, DEFAULT_FLOAT32_OPS, type Float16Options, type Float16Report } from './onnx/float16.js';
export { buildEngine, parseBytes, type BuildEngineOptions, type BuildResult, type BuildReport, type BuildProgress } from './build/build-engine.js';
export { parseShapesText, resolveProfiles, type Profile, type InputShapes, type ShapesSpec, type Dims } from './build/shapes.js';
export { val, type ValOptions, type ValResult } from './val/val.js';
export {
  DetectionMetrics,
  IOU_THRESHOLDS,
  boxIou,
  computeAp,
  matchPredictions,
  type MetricsResult,
  type ClassMetrics,
  type GroundTruth,
  type Prediction,
} from './val/metrics.js';
export {
  readYoloDataset,
  readYoloLabels,
  labelPathFor,
  toPixelBoxes,
  type YoloDataset,
  type YoloLabels,
  type LabeledImage,
  type ReadYoloDatasetOptions,
} from './val/dataset.js';
export {
  ModelHost,
  type ModelHostOptions,
  type ModelVersion,
  type SwapRecord,
  type HostStatus,
  type CanaryOptions,
  type CanaryResult,
} from './host/model-host.js';
export type { ModelHostEvents, ModelHostEvent } from './host/events.js';
export type { SwapStage, GoldenTolerance } from './host/candidate-checks.js';
export type { WatchOptions } from './host/watch.js';
export { inspectEngine, type EngineInspection } from './model/inspect-engine.js';
export {
  TASKS,
  type Task,
  type TaskHead,
  type TaskResult,
  type ResultOf,
  type DetectResult,
  type SegmentResult,
  type PoseResult,
  type ObbResult,
  type ClassifyResult,
  type Boxes,
  type Masks,
  type InstanceMask,
  type Keypoints,
  type OrientedBoxes,
  type Probs,
  type Frame,
  type LetterboxFrame,
  type ClassifyFrame,
} from './tasks/types.js';
export { TASK_HEADS, taskOf, headFor } from './tasks/registry.js';
export type { BoxOptions } from './tasks/options.js';
export { letterboxFrame, scaleXyxy, scaleXywh, scalePoints } from './tasks/frame.js';
export type { BoxOptionsInput } from './tasks/options.js';
export { detectHead, type DetectOptions as DetectTaskOptions } from './tasks/detect/head.js';
export { segmentHead, decodeSegmentation, type SegmentOptions, type SegmentOptionsInput, type RawSegmentation } from './tasks/segment/head.js';
export { processMasks, scaleImageMasks, maskPolygons, type MaskSet, type MaskPrototypes, type ProcessMasksOptions } from './tasks/segment/masks.js';
export { maskToRle, type Rle } from './tasks/segment/rle.js';
export { poseHead, kptShape, type PoseOptions } from './tasks/pose/head.js';
export { obbHead, xywhr2xyxyxyxy, type ObbOptions } from './tasks/obb/head.js';
export { probiou, nmsRotated } from './tasks/obb/ops.js';
export { classifyHead, probsOf } from './tasks/classify/head.js';
export {
  classifyTransform,
  classifyTransformAsync,
  classifyGeometry,
  type ClassifyTransformOptions,
  type ClassifyTransformResult,
} from './tasks/classify/transform.js';
export { drawResult } from './tasks/draw.js';
export type { DetectValResult, SegmentValResult, PoseValResult, ObbValResult, ClassifyValResult } from './val/val.js';
export { SegmentMetrics, groundTruthMasks, resampleSegment, maskIou, type SegmentPrediction, type SegmentMetricsResult } from './val/segment.js';
export { PoseMetrics, keypointOks, keypointSigmas, OKS_SIGMA, type PosePrediction, type PoseMetricsResult } from './val/pose.js';
export { ObbMetrics, minAreaRect, labelRboxes, type ObbPrediction } from './val/obb.js';
export { ClassifyMetrics, readClassifyDataset, type ClassifyDataset, type ClassifyMetricsResult } from './val/classify.js';
export type { LabelFormat } from './val/dataset.js';
export { TensorRtBackend, type TensorRtOptions, type TensorRtRunTiming } from './backends/tensorrt.js';
export {
  bench,
  formatReport as formatBenchReport,
  summarize,
  percentile,
  median,
  abCompare,
  timeIt,
  JetsonReader,
  type BenchOptions,
  type BenchProgress,
  type BenchShapes,
  type BenchReport,
  type InferenceReport,
  type EndToEndReport,
  type SweepReport,
  type SweepLevel,
  type ComparisonReport,
  type ComparisonRow,
  type DeviceState,
  type JetsonState,
  type NvmlState,
  type Figure,
  type TimingFigure,
  type QueryTimes,
  type BenchWarning,
  type Stats,
  type AbResult,
  type Reading,
  type Unknown,
  type SampledRange,
  type InferenceMode,
  type BackendDescription,
  type ThermalZoneState,
  type PowerRailState,
  type UnavailableFigure,
  type TimedBy,
} from './bench/index.js';
