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
export { TrtjsError, BadInputError, DisposedError, UnavailableError, type ErrorCode } from './errors.js';
export { capabilities, type Capabilities, type CudaDevice } from './capabilities.js';
export { NativeResource } from './lifetime.js';
export { PinnedBuffer } from './cuda/pinned-buffer.js';
export { deviceMemory } from './cuda/device-memory.js';
export { letterbox, letterboxAsync, type LetterboxOptions, type LetterboxResult, type LetterboxDtype, type LetterboxLayout, type LetterboxArray } from './ops/letterbox.js';
export { decode, type DecodeOptions, type HeadFormat } from './ops/decode.js';
export { nms, type NmsOptions } from './ops/nms.js';
export { scaleBoxes, type BoxMapping } from './ops/scale-boxes.js';
export type { Detections } from './ops/detections.js';
export { loadImage } from './image/load.js';
export type { RawImage, PixelOrder } from './image/raw-image.js';
export { Detector, type DetectorOptions, type DetectOptions, type ImageInput } from './detector/detector.js';
export type { Detection } from './detector/detection.js';
export type { Backend, Tensor, TensorData } from './backends/backend.js';
export { OnnxRuntimeBackend, type OnnxRuntimeOptions } from './backends/onnxruntime.js';
export { readModelInfo, type ModelSource } from './model/read-model.js';
export type { ModelInfo, TensorInfo, TensorDtype } from './model/model-info.js';
export { readEngineFile, writeEngineFile, type EngineFile } from './model/engine-file.js';
export { parsePythonLiteral, type PyValue } from './model/python-literal.js';
export { onnxToFloat16, onnxToFloat16WithReport, DEFAULT_FLOAT32_OPS, type Float16Options, type Float16Report } from './onnx/float16.js';
export { buildEngine, parseBytes, type BuildEngineOptions, type BuildResult, type BuildReport, type BuildProgress } from './build/build-engine.js';
export { parseShapesText, resolveProfiles, type Profile, type InputShapes, type ShapesSpec, type Dims } from './build/shapes.js';
export { val, type ValOptions, type ValResult } from './val/val.js';
export { DetectionMetrics, IOU_THRESHOLDS, boxIou, computeAp, matchPredictions, type MetricsResult, type ClassMetrics, type GroundTruth, type Prediction } from './val/metrics.js';
export { readYoloDataset, readYoloLabels, labelPathFor, toPixelBoxes, type YoloDataset, type YoloLabels, type LabeledImage, type ReadYoloDatasetOptions } from './val/dataset.js';
export { ModelHost, type ModelHostOptions, type ModelVersion, type SwapRecord, type HostStatus, type CanaryOptions, type CanaryResult } from './host/model-host.js';
export type { SwapStage, GoldenTolerance } from './host/candidate-checks.js';
export type { WatchOptions } from './host/watch.js';
export { inspectEngine, type EngineInspection } from './model/inspect-engine.js';
export { TensorRtBackend, type TensorRtOptions, type TensorRtRunTiming } from './backends/tensorrt.js';
export { bench, formatReport as formatBenchReport, summarize, percentile, median, abCompare, timeIt, JetsonReader, type BenchOptions, type BenchProgress, type BenchShapes, type BenchReport, type InferenceReport, type EndToEndReport, type SweepReport, type SweepLevel, type ComparisonReport, type ComparisonRow, type DeviceState, type JetsonState, type NvmlState, type Figure, type TimingFigure, type QueryTimes, type BenchWarning, type Stats, type AbResult, type Reading, type Unknown, type SampledRange, type InferenceMode, type BackendDescription, type ThermalZoneState, type PowerRailState, type UnavailableFigure, type TimedBy } from './bench/index.js';
