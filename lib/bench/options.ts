/**
 * bench() options, their defaults (trtexec's for inference mode, Ultralytics predict's for NMS) and their checks,
 * all made before anything loads or runs.
 */
import { PREDICT } from '../defaults.js';
import { TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';
import type { BenchProgress } from './inference.js';
import { parseBenchShapes, type BenchShapes } from './inputs.js';

export interface BenchOptions {
  /** 'auto' (default): TensorRT for engines, ONNX Runtime for ONNX models. */
  backend?: 'auto' | 'onnxruntime' | 'tensorrt';
  /** CUDA device. Default 0. */
  device?: number;
  /** Warm-up before timing, ms. Default 200 (trtexec --warmUp). */
  warmupMs?: number;
  /** Minimum timed duration, ms. Default 3000 (trtexec --duration=3). */
  durationMs?: number;
  /** Minimum timed queries per stream. Default 10 (trtexec --iterations). */
  iterations?: number;
  /** Concurrent queries: TensorRT execution contexts, or ONNX Runtime sessions. Default 1 (trtexec --streams). */
  streams?: number;
  /** Batch size: the first dimension of dynamic inputs. Default: the shapes' or the profile's. */
  batch?: number;
  /** Input shapes: `images:1x3x640x640` or `{ images: [1, 3, 640, 640] }`. Default: engines the first profile's opt
   * shapes, ONNX the metadata image size (else 640), batch 1. */
  shapes?: BenchShapes;
  /** Image size for a dynamic ONNX input and for end-to-end mode (default: metadata imgsz, else 640). */
  imgsz?: number | [number, number];
  /** Copy inputs to the device and outputs back on each query. Default true; false = trtexec --noDataTransfers. */
  transfers?: boolean;
  /** Poll the stream instead of blocking on it. Default false (trtexec --useSpinWait). */
  spinWait?: boolean;
  /** Launch the engine from a CUDA graph captured per context (TensorRT backend, inference and sweep modes). Default
   * false (trtexec 10's default; --useCudaGraph). */
  cudaGraph?: boolean;
  /** Write every timed query to this file, with trtexec's --exportTimes field names (inference mode). */
  exportTimes?: string;
  /** Keep every timed query in the report (`inference.trace`). Default false. */
  trace?: boolean;
  /** End-to-end mode: an image file, or a folder of them, decoded → letterboxed → inferred → decoded+NMS → scaled. */
  images?: string;
  /** End-to-end mode: frames in flight at once for the pipelined figure. Default 2 × streams. */
  inFlight?: number;
  /** End-to-end NMS settings, Ultralytics predict's defaults: conf 0.25, iou 0.7, maxDet 300. */
  conf?: number;
  iou?: number;
  maxDet?: number;
  /** Concurrency sweep: throughput and latency percentiles at each of these concurrencies, e.g. [1, 2, 4, 8]. */
  concurrency?: number[];
  /** Comparison mode: ONNX Runtime CPU, TensorRT FP32 and TensorRT FP16 of one ONNX model in one table. */
  compare?: boolean;
  /** Comparison mode: dataset YAML for mAP50-95 (default: no accuracy). */
  data?: string;
  /** Dataset root when the YAML's path does not resolve. */
  root?: string;
  /** Comparison mode: only the first n dataset images. */
  limit?: number;
  /**
   * Comparison mode: fail (report.passed = false) when a configuration's accuracy (the task's benchmark metric:
   * mAP50-95 of boxes, masks, keypoints or rotated boxes; top-5 for classify) is below this. Needs `data`.
   */
  minMap?: number;
  /** Comparison mode: where engines are built once and kept, by model hash, TensorRT version, GPU and precision.
   * Default ~/.cache/trtjs/engines. */
  cacheDir?: string;
  /** Where Jetson sysfs paths are read from. Default '/'. */
  sysfsRoot?: string;
  /** Device state sampling interval, ms. Default 500. */
  sampleIntervalMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BenchProgress) => void;
}

export interface ResolvedOptions {
  backend: 'auto' | 'onnxruntime' | 'tensorrt';
  device: number;
  warmupMs: number;
  durationMs: number;
  iterations: number;
  streams: number;
  batch?: number;
  shapes?: Record<string, number[]>;
  imgsz?: [number, number];
  transfers: boolean;
  spinWait: boolean;
  cudaGraph: boolean;
  exportTimes?: string;
  trace: boolean;
  images?: string;
  inFlight: number;
  conf: number;
  iou: number;
  maxDet: number;
  concurrency?: number[];
  compare: boolean;
  data?: string;
  root?: string;
  limit?: number;
  minMap?: number;
  cacheDir?: string;
  sysfsRoot: string;
  sampleIntervalMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: BenchProgress) => void;
}

const F = 'bench: options';
const str = (name: string, v: unknown) => (typeof v === 'string' && v.length > 0 ? v : check.fail(name, 'a non-empty string', v));

/** Checks every option and fills in the defaults; throws ERR_BAD_INPUT / ERR_SHAPE before anything runs. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const o = check.options<BenchOptions>(F, options);
  const known = new Set([
    'backend',
    'device',
    'warmupMs',
    'durationMs',
    'iterations',
    'streams',
    'batch',
    'shapes',
    'imgsz',
    'transfers',
    'spinWait',
    'cudaGraph',
    'exportTimes',
    'trace',
    'images',
    'inFlight',
    'conf',
    'iou',
    'maxDet',
    'concurrency',
    'compare',
    'data',
    'root',
    'limit',
    'minMap',
    'cacheDir',
    'sysfsRoot',
    'sampleIntervalMs',
    'signal',
    'onProgress',
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new TrtjsError('ERR_BAD_INPUT', `${F} has no option '${k}'`);
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) check.fail(`${F}.${name}`, 'a finite number > 0', v);
    return v as number;
  };
  const streams = check.optional(o.streams, 1, (v) => check.integer(`${F}.streams`, v, 1, 64));
  const concurrency = check.optional<number[] | undefined>(o.concurrency, undefined, (v) => {
    if (!Array.isArray(v) || !v.length) check.fail(`${F}.concurrency`, 'a non-empty array of concurrencies, e.g. [1, 2, 4, 8]', v);
    return (v as unknown[]).map((c, i) => check.integer(`${F}.concurrency[${i}]`, c, 1, 64));
  });
  let imgsz: [number, number] | undefined;
  if (o.imgsz !== undefined) {
    const s = o.imgsz;
    imgsz = typeof s === 'number' ? [s, s] : Array.isArray(s) && s.length === 2 ? [s[0], s[1]] : check.fail(`${F}.imgsz`, 'a number or [height, width]', s);
    imgsz.forEach((d, i) => {
      check.integer(`${F}.imgsz[${i}]`, d, 1, 8192);
    });
  }
  const r: ResolvedOptions = {
    backend: check.optional(o.backend, 'auto' as const, (v) => check.oneOf(`${F}.backend`, v, ['auto', 'onnxruntime', 'tensorrt'] as const)),
    device: check.optional(o.device, 0, (v) => check.integer(`${F}.device`, v, 0, 64)),
    warmupMs: check.optional(o.warmupMs, 200, (v) => check.number(`${F}.warmupMs`, v, 0, 3_600_000)),
    durationMs: check.optional(o.durationMs, 3000, (v) => positive('durationMs', v)),
    iterations: check.optional(o.iterations, 10, (v) => check.integer(`${F}.iterations`, v, 1)),
    streams,
    batch: check.optional<number | undefined>(o.batch, undefined, (v) => check.integer(`${F}.batch`, v, 1, 4096)),
    shapes: parseBenchShapes(o.shapes),
    imgsz,
    transfers: check.optional(o.transfers, true, (v) => check.boolean(`${F}.transfers`, v)),
    spinWait: check.optional(o.spinWait, false, (v) => check.boolean(`${F}.spinWait`, v)),
    cudaGraph: check.optional(o.cudaGraph, false, (v) => check.boolean(`${F}.cudaGraph`, v)),
    exportTimes: check.optional<string | undefined>(o.exportTimes, undefined, (v) => str(`${F}.exportTimes`, v)),
    trace: check.optional(o.trace, false, (v) => check.boolean(`${F}.trace`, v)),
    images: check.optional<string | undefined>(o.images, undefined, (v) => str(`${F}.images`, v)),
    inFlight: check.optional(o.inFlight, 2 * streams, (v) => check.integer(`${F}.inFlight`, v, 1, 256)),
    conf: check.optional(o.conf, PREDICT.conf, (v) => check.number(`${F}.conf`, v, 0, 1)),
    iou: check.optional(o.iou, PREDICT.iou, (v) => check.number(`${F}.iou`, v, 0, 1)),
    maxDet: check.optional(o.maxDet, PREDICT.maxDet, (v) => check.integer(`${F}.maxDet`, v, 1)),
    concurrency,
    compare: check.optional(o.compare, false, (v) => check.boolean(`${F}.compare`, v)),
    data: check.optional<string | undefined>(o.data, undefined, (v) => str(`${F}.data`, v)),
    root: check.optional<string | undefined>(o.root, undefined, (v) => str(`${F}.root`, v)),
    limit: check.optional<number | undefined>(o.limit, undefined, (v) => check.integer(`${F}.limit`, v, 1)),
    minMap: check.optional<number | undefined>(o.minMap, undefined, (v) => check.number(`${F}.minMap`, v, 0, 1)),
    cacheDir: check.optional<string | undefined>(o.cacheDir, undefined, (v) => str(`${F}.cacheDir`, v)),
    sysfsRoot: check.optional(o.sysfsRoot, '/', (v) => str(`${F}.sysfsRoot`, v)),
    sampleIntervalMs: check.optional(o.sampleIntervalMs, 500, (v) => check.number(`${F}.sampleIntervalMs`, v, 10, 60_000)),
  };
  if (o.signal !== undefined) {
    if (!(o.signal instanceof AbortSignal)) check.fail(`${F}.signal`, 'an AbortSignal', o.signal);
    r.signal = o.signal;
  }
  if (o.onProgress !== undefined) {
    if (typeof o.onProgress !== 'function') check.fail(`${F}.onProgress`, 'a function', o.onProgress);
    r.onProgress = o.onProgress;
  }
  const conflict = (a: string, b: string) => new TrtjsError('ERR_BAD_INPUT', `bench: ${a} and ${b} are separate modes: give one`);
  if (r.compare && r.concurrency) throw conflict('compare', 'concurrency');
  if (r.images && r.concurrency) throw conflict('images (end-to-end)', 'concurrency');
  if (r.exportTimes && (r.compare || r.concurrency || r.images))
    throw new TrtjsError('ERR_BAD_INPUT', 'bench: exportTimes applies to inference mode (not compare, concurrency or images)');
  if (!r.compare) {
    for (const k of ['data', 'minMap', 'limit', 'cacheDir'] as const) {
      if (r[k] !== undefined) throw new TrtjsError('ERR_BAD_INPUT', `bench: ${k} applies to comparison mode (compare: true)`);
    }
  }
  if (r.minMap !== undefined && r.data === undefined) throw new TrtjsError('ERR_BAD_INPUT', 'bench: minMap needs a dataset (data) to measure mAP50-95 on');
  if (r.compare && r.backend !== 'auto') throw new TrtjsError('ERR_BAD_INPUT', 'bench: compare runs every backend it can; leave backend at auto');
  return r;
}
