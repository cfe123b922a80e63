/**
 * What `bench()` reports. Every figure carries its label, unit and how it was measured, so a JSON report reads on
 * its own; whatever could not be measured or read says why instead of holding a guess.
 */
import type { Task } from '../tasks/types.js';
import type { Stats } from './stats.js';

/** The accuracy figure of each task in Ultralytics' benchmark table. */
export type AccuracyMetric = 'mAP50-95(B)' | 'mAP50-95(M)' | 'mAP50-95(P)' | 'mAP50-95(OBB)' | 'top5';

/** Something that could not be read, and why. */
export interface Unknown {
  unknown: string;
}

/** A value, or why it is unknown. */
export type Reading<T> = T | Unknown;

/** How a figure was measured. */
export type TimedBy = 'cuda-events' | 'host-clock';

/** A set of timings in milliseconds, summarized as trtexec summarizes them (see stats.ts). */
export interface TimingFigure extends Stats {
  available: true;
  /** trtexec's name where it has one: 'Latency', 'Enqueue Time', 'H2D Latency', 'GPU Compute Time', 'D2H Latency'. */
  label: string;
  unit: 'ms';
  timedBy: TimedBy;
  /** What the figure covers, in words. */
  definition: string;
}

/** A figure this backend or mode cannot give, and why. */
export interface UnavailableFigure {
  available: false;
  label: string;
  reason: string;
}

export type Figure = TimingFigure | UnavailableFigure;

/** A quantity sampled during the run: its range and mean. */
export interface SampledRange {
  unit: string;
  samples: number;
  min: number;
  mean: number;
  max: number;
}

/** How the queries of an inference run were made: what each figure depends on besides the device. */
export interface InferenceMode {
  /** Warm-up before timing, ms (trtexec --warmUp). */
  warmupMs: number;
  /** Minimum timed duration, ms (trtexec --duration, in seconds there). */
  durationMs: number;
  /** Minimum timed queries per stream (trtexec --iterations). */
  iterations: number;
  /** Concurrent queries, one per execution context or session (trtexec --streams). */
  streams: number;
  /** Input copies: 'copied' (pinned host ↔ device each query), 'skipped' (--no-data-transfers), 'mapped' (integrated
   * GPU: the GPU reads pinned host memory, nothing to copy), 'none' (CPU execution). */
  transfers: 'copied' | 'skipped' | 'mapped' | 'none';
  /** How the host waits for a query: 'spin' (polls the stream), 'block' (cudaStreamSynchronize), 'promise' (CPU backends). */
  wait: 'spin' | 'block' | 'promise';
  /** CUDA graphs: the engine launched from a graph captured per context (trtexec --useCudaGraph; on by default in
   * trtexec 11, off in 10); always false on CPU backends and in end-to-end mode. */
  cudaGraph: boolean;
  /** Input data: random values, made once and kept in place (as trtexec's default). */
  inputs: 'random';
}

/** The engine or session that ran, and on what. */
export interface BackendDescription {
  kind: 'tensorrt' | 'onnxruntime' | 'custom';
  /** 'GPU' or 'CPU': CPU figures are labelled so. */
  device: 'GPU' | 'CPU';
  /** e.g. 'TensorRT 10.3.0 on NVIDIA H100 80GB HBM3' or 'ONNX Runtime 1.22.0, CPU execution provider'. */
  description: string;
  /** Precision as far as trtjs knows it, e.g. 'fp16 (built with --fp16)' or 'as exported (input float32)'. */
  precision: string;
}

/** One timed query, with trtexec's --exportTimes field names: times in ms from the start of the run. */
export interface QueryTimes {
  stream: number;
  startEnqMs: number;
  endEnqMs: number;
  startH2dMs: number;
  endH2dMs: number;
  startComputeMs: number;
  endComputeMs: number;
  startD2hMs: number;
  endD2hMs: number;
  h2dMs: number;
  computeMs: number;
  d2hMs: number;
  latencyMs: number;
}

/** A warning about what a figure means, as trtexec gives them, or about the device state. */
export interface BenchWarning {
  /** Stable identifier: 'enqueue-bound', 'h2d-bound', 'd2h-bound', 'unstable', 'multiple-streams', 'gpu-clock-below-max',
   * 'clocks-held-down', 'cpu-backend'. */
  code: string;
  message: string;
  /** What to do about it. */
  advice: string;
}

/** Inference mode: figures defined as trtexec defines them. */
export interface InferenceReport {
  backend: BackendDescription;
  mode: InferenceMode;
  /** Input shapes used, by input name. */
  shapes: Record<string, number[]>;
  /** Images per query: the batch dimension of the first input. */
  batch: number;
  warmup: { queries: number; ms: number };
  /** Timed queries. */
  queries: number;
  /** Host wall time from the first timed query's start to the last one's end, ms. */
  walltimeMs: number;
  throughput: {
    /** Queries per second over the host wall time. */
    qps: number;
    /** qps × batch. */
    imagesPerSecond: number;
    definition: string;
  };
  /** H2D + compute + D2H of each query (trtexec's Latency). */
  latency: Figure;
  /** Host time to enqueue a query. */
  enqueue: Figure;
  h2d: Figure;
  /** GPU Compute Time on TensorRT; 'Compute Time (CPU)' on ONNX Runtime. */
  compute: Figure;
  d2h: Figure;
  /** Each query as JavaScript sees it: from the call to the settled Promise (waiting for a context included). */
  request: Figure;
  /** Sum of the compute times of the timed queries, ms. */
  totalComputeMs: number;
  warnings: BenchWarning[];
  /** Every timed query, when asked for (`exportTimes`, `trace`). */
  trace?: QueryTimes[];
}

/** End-to-end mode: encoded image in, the task's results in source pixels out, per stage. */
export interface EndToEndReport {
  backend: BackendDescription;
  /** The model's task, whose head post-processes each frame. */
  task: Task;
  /** Image files cycled through. */
  images: number;
  /** Model input size images are letterboxed to (dynamic models: at most this, padded to the stride). */
  imgsz: { height: number; width: number };
  warmupMs: number;
  durationMs: number;
  /** One frame at a time. */
  sequential: {
    frames: number;
    walltimeMs: number;
    fps: number;
    stages: {
      /** JPEG/PNG bytes (already in memory) to pixels, as cv2.imread decodes them. */
      decode: Figure;
      letterbox: Figure;
      /** backend.run: input copy in, inference, output copy out. */
      infer: Figure;
      /** The task head's post-processing: detect, YOLO output decoding and NMS; the other tasks, all of it (scaled to source pixels). */
      postprocess: Figure;
      /** Detect only; unavailable with the reason for the other tasks, whose heads scale as they post-process. */
      scaleBoxes: Figure;
      total: Figure;
    };
    /** Mean instances per frame (conf/iou as given): boxes, masks, poses or rotated boxes; 1 for classify. */
    detectionsPerFrame: number;
  };
  /** N frames in flight at once, as a service pipelines them. */
  inFlight: {
    frames: number;
    concurrency: number;
    walltimeMs: number;
    fps: number;
    /** Each frame's total time, decode to scaled boxes, queueing included. */
    latency: Figure;
  };
}

/** One level of a concurrency sweep, as perf_analyzer reports it. */
export interface SweepLevel {
  concurrency: number;
  queries: number;
  qps: number;
  imagesPerSecond: number;
  /** Request latency as a client sees it (host clock), ms. */
  latencyMs: { p50: number; p90: number; p95: number; p99: number; mean: number };
  /** Median compute time per query, ms. */
  computeMedianMs: number;
}

export interface SweepReport {
  backend: BackendDescription;
  mode: Omit<InferenceMode, 'streams'>;
  shapes: Record<string, number[]>;
  batch: number;
  levels: SweepLevel[];
}

/** One format/precision of the comparison table. */
export interface ComparisonRow {
  /** e.g. 'ONNX Runtime CPU', 'TensorRT FP32', 'TensorRT FP16'. */
  configuration: string;
  format: 'onnx' | 'engine';
  precision: string;
  status: 'ok' | 'unavailable' | 'failed';
  /** Why unavailable or failed. */
  reason?: string;
  /** Model or engine file size, MB (10^6 bytes, as Ultralytics' table). */
  sizeMB?: number;
  /** Box mAP50-95 on `data` (oriented boxes for obb); unknown when no dataset was given, and for classify models. */
  map5095?: Reading<number>;
  /**
   * The accuracy Ultralytics' benchmark reports for the model's task (see {@link ComparisonReport.metric}): box
   * mAP50-95 for detect, mask mAP50-95 for segment, keypoint (OKS) mAP50-95 for pose, rotated-box mAP50-95 for obb,
   * top-5 accuracy for classify. `minMap` is checked against it. Unknown when no dataset was given.
   */
  accuracy?: Reading<number>;
  /** Median compute time per image (inference mode), ms. */
  inferenceMsPerImage?: number;
  /** Median total time per image (end-to-end mode, one frame at a time), ms; unknown without images. */
  endToEndMsPerImage?: Reading<number>;
  /** Inference throughput, images per second. */
  fps?: number;
  /** Where the engine was built or found. */
  engine?: { path: string; cached: boolean };
  /** The inference run behind the figures. */
  inference?: InferenceReport;
}

export interface ComparisonReport {
  /** The model's task. */
  task: Task;
  /** What each row's `accuracy` is, named as Ultralytics' benchmark names it: 'mAP50-95(B)', '(M)', '(P)', '(OBB)', 'top5'. */
  metric: AccuracyMetric;
  rows: ComparisonRow[];
  /** The `minMap` threshold, when given. */
  minMap?: number;
}

/** NVML's view of a discrete GPU during the run. */
export interface NvmlState {
  library: string;
  driverVersion: string;
  name: string;
  sampleIntervalMs: number;
  smClockMHz: Reading<SampledRange>;
  maxSmClockMHz: Reading<number>;
  memoryClockMHz: Reading<SampledRange>;
  maxMemoryClockMHz: Reading<number>;
  temperatureC: Reading<SampledRange>;
  powerW: Reading<SampledRange>;
  powerLimitW: Reading<number>;
  gpuUtilizationPercent: Reading<SampledRange>;
  performanceState: Reading<SampledRange>;
  /** Why clocks were held down at some sample (NVML's clock event reasons), by name; [] when none. */
  clockEventReasons: Reading<string[]>;
}

/** A Jetson temperature sensor (thermal zone), by type. */
export interface ThermalZoneState {
  zone: string;
  type: string;
  celsius: Reading<SampledRange>;
}

/** An INA3221 power rail. */
export interface PowerRailState {
  label: string;
  /** hwmon folder and channel, e.g. '1-0040/hwmon3/in1'. */
  channel: string;
  voltageV: Reading<SampledRange>;
  currentA: Reading<SampledRange>;
  powerW: Reading<SampledRange>;
}

/** A Jetson's state, read from sysfs without root and sampled during the run. */
export interface JetsonState {
  model: Reading<string>;
  l4t: Reading<string>;
  powerMode: Reading<string>;
  sampleIntervalMs: number;
  gpu: Reading<{
    devfreq: string;
    governor: Reading<string>;
    maxFreqMHz: Reading<number>;
    curFreqMHz: Reading<SampledRange>;
    loadPercent: Reading<SampledRange>;
  }>;
  thermal: ThermalZoneState[];
  rails: PowerRailState[];
}

/** What every figure depends on, recorded with each report. */
export interface DeviceState {
  trtjs: string;
  node: string;
  os: string;
  tensorrt: Reading<string>;
  onnxruntime: Reading<string>;
  cpu: { model: string; cores: number };
  gpu: Reading<{ name: string; computeCapability: string; integrated: boolean; memoryGB: number; driverCuda: string; runtimeCuda: string; pciBusId: string }>;
  nvml: Reading<NvmlState>;
  jetson: Reading<JetsonState>;
}

/** What `bench()` resolves to. */
export interface BenchReport {
  kind: 'inference' | 'end-to-end' | 'sweep' | 'compare';
  /** The model as given (path, or a description of bytes or a backend). */
  model: string;
  /** ISO time the run started. */
  startedAt: string;
  device: DeviceState;
  inference?: InferenceReport;
  endToEnd?: EndToEndReport;
  sweep?: SweepReport;
  comparison?: ComparisonReport;
  /** Every warning: the figures' and the device's. */
  warnings: BenchWarning[];
  /**
   * False when a check failed (a configuration below `minMap`; `failures` says which) or when something asked for
   * could not be measured (a comparison configuration that failed to build or run; `errors` says which and why).
   */
  passed: boolean;
  failures: string[];
  errors: string[];
}
