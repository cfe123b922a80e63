import { readFile, writeFile } from 'node:fs/promises';

import { capabilities } from '../capabilities.js';
import { TrtjsError, settleNative } from '../errors.js';
import { writeEngineFile } from '../model/engine-file.js';
import { decodeOnnx, onnxModelInfo } from '../model/onnx-info.js';
import { readModelFile } from '../model/read-model.js';
import { checkWritableDir } from '../util/files.js';
import { addon } from '../native/binding.js';
import { onnxToFloat16 } from '../onnx/float16.js';
import * as check from '../util/validate.js';
import { fp32Layers, parseEngineInfo } from './engine-info.js';
import { engineMetadata } from './metadata.js';
import { formatProfile, resolveProfiles, type Profile, type ShapesSpec } from './shapes.js';

export interface BuildProgress {
  /** 'parse', 'convert' (FP16 by ONNX conversion), 'build' (TensorRT's own phases), 'serialize', 'write'. */
  phase: string;
  /** TensorRT's phase name where it reports one. */
  detail?: string;
  step: number;
  steps: number;
}

export interface BuildEngineOptions {
  /** The ONNX model: path or bytes. */
  onnx: string | Uint8Array;
  /** Also write the engine (with its metadata header) to this file. */
  output?: string;
  /** Build in FP16 (TensorRT ≤ 10: builder flag; 11: ONNX converted to FP16, strongly typed). Default false. */
  fp16?: boolean;
  /** Shapes of dynamic inputs: trtexec-style text (`images:1x3x320x320,1x3x640x640,4x3x1280x1280`), objects, or a list (several profiles). */
  shapes?: ShapesSpec;
  /** Batch size for the default dynamic profile (opt and max). Default: metadata batch, else 1. */
  batch?: number;
  /** Image size [h, w] or n for the default dynamic profile. Default: metadata imgsz, else 640. */
  imgsz?: number | [number, number];
  /** Builder workspace limit: bytes, or text like '2G', '512M'. Default: TensorRT's (device memory). */
  workspace?: number | string;
  /** Timing cache file: read when it exists, written after the build (speeds up later builds). */
  timingCache?: string;
  /** Builder optimization level 0-5 (TensorRT ≥ 8.6). Default 3. */
  optimizationLevel?: number;
  /** CUDA device index. Default 0. */
  device?: number;
  /** Extra metadata merged into the engine header; `false` writes a plain plan without header. */
  metadata?: Record<string, unknown> | false;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
}

export interface BuildReport {
  tensorrtVersion: string;
  precision: 'fp32' | 'fp16';
  /** How FP16 was obtained. */
  fp16Mode: 'none' | 'builder-flag' | 'onnx-conversion';
  /** Profiles as min,opt,max per input. */
  profiles: string[];
  layers: number;
  /** Layers TensorRT kept in FP32 in an FP16 build. */
  fp32Layers: string[];
  warnings: string[];
  timing: { parseMs: number; buildMs: number; totalMs: number };
  /** Engine file size in bytes (with header). */
  size: number;
  device: string;
}

export interface BuildResult {
  /** The engine file contents (metadata header + plan, or the plan alone with `metadata: false`). */
  engine: Uint8Array;
  report: BuildReport;
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export function parseBytes(name: string, value: unknown): number {
  if (typeof value === 'number') return check.integer(name, value, 1);
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(value.trim()) : null;
  if (!m) return check.fail(name, "a number of bytes or text like '2G' or '512M'", value);
  return Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
}

/**
 * Builds a TensorRT engine from an ONNX model: FP16 on every supported TensorRT, dynamic shapes, timing cache,
 * and the Ultralytics metadata header so that Ultralytics, trtjs and trtexec all load the file. Everything
 * that can be checked without TensorRT (options, the ONNX, shapes) is checked first.
 *
 * @example
 * ```ts
 * const { report } = await buildEngine({
 *   onnx: 'yolov8n.onnx', output: 'yolov8n.engine', fp16: true,
 *   shapes: 'images:1x3x320x320,1x3x640x640,8x3x1280x1280',
 *   onProgress: (p) => console.log(p.phase, p.step, p.steps),
 * });
 * ```
 */
export async function buildEngine(options: BuildEngineOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const o = check.object<BuildEngineOptions>('buildEngine: options', options);
  const fp16 = check.optional(o.fp16, false, (v) => check.boolean('buildEngine: options.fp16', v));
  const workspace = o.workspace === undefined ? 0 : parseBytes('buildEngine: options.workspace', o.workspace);
  const optimizationLevel = check.optional(o.optimizationLevel, -1, (v) => check.integer('buildEngine: options.optimizationLevel', v, 0, 5));
  const device = check.optional(o.device, 0, (v) => check.integer('buildEngine: options.device', v, 0, 64));
  const output = check.optional(o.output, undefined, (v) => (typeof v === 'string' && v ? v : check.fail('buildEngine: options.output', 'a file path', v)));
  const timingCachePath = check.optional(o.timingCache, undefined, (v) => (typeof v === 'string' && v ? v : check.fail('buildEngine: options.timingCache', 'a file path', v)));
  if (o.metadata !== undefined && o.metadata !== false) check.object('buildEngine: options.metadata', o.metadata);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') check.fail('buildEngine: options.onProgress', 'a function', o.onProgress);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) check.fail('buildEngine: options.signal', 'an AbortSignal', o.signal);
  const progress = (p: BuildProgress) => o.onProgress?.(p);
  const aborted = () => {
    if (o.signal?.aborted) throw new TrtjsError('ERR_ABORTED', 'buildEngine: aborted');
  };

  progress({ phase: 'parse', step: 0, steps: 1 });
  if (output) await checkWritableDir('buildEngine: options.output', output);
  const { bytes, name } = await readModelFile(o.onnx, 'onnx', 'buildEngine: options.onnx');
  const info = onnxModelInfo(decodeOnnx(bytes, name));
  const batch = check.optional(o.batch, info.batch ?? 1, (v) => check.integer('buildEngine: options.batch', v, 1, 4096));
  const imgsz: [number, number] = o.imgsz === undefined ? (info.imgsz ?? [640, 640]) : typeof o.imgsz === 'number' ? [o.imgsz, o.imgsz] : o.imgsz;
  imgsz.forEach((d, i) => check.integer(`buildEngine: options.imgsz[${i}]`, d, 1, 16384));
  const profiles: Profile[] = resolveProfiles(info.inputs, o.shapes, { imgsz, batch });
  const dynamic = info.inputs.some((i) => i.shape.some((d) => typeof d !== 'number' || d <= 0));
  aborted();

  const caps = await capabilities();
  const build = addon().trtBuildEngine;
  if (!caps.tensorrt.available || !build) {
    throw new TrtjsError('ERR_TRT_UNAVAILABLE', `buildEngine: TensorRT is unavailable: ${caps.tensorrt.reason ?? 'the TensorRT layer is not compiled into this binary'}`);
  }
  if (!caps.tensorrt.onnxParser.available) {
    throw new TrtjsError('ERR_TRT_UNAVAILABLE', `buildEngine: TensorRT's ONNX parser is unavailable: ${caps.tensorrt.onnxParser.reason}`);
  }
  const major = Number(caps.tensorrt.version!.split('.')[0]);
  // TensorRT 11 builds strongly typed networks only: FP16 comes from the graph's own types.
  const fp16Mode: BuildReport['fp16Mode'] = !fp16 ? 'none' : major >= 11 ? 'onnx-conversion' : 'builder-flag';
  let onnxBytes = bytes;
  if (fp16Mode === 'onnx-conversion') {
    progress({ phase: 'convert', step: 0, steps: 1 });
    onnxBytes = onnxToFloat16(bytes);
  }
  let timingCache: Uint8Array | null = null;
  if (timingCachePath) timingCache = await readFile(timingCachePath).catch(() => null);
  aborted();

  const cancelFlag = new Int32Array(1);
  const onAbort = () => Atomics.store(cancelFlag, 0, 1);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const tBuild = performance.now();
  let native;
  try {
    native = await settleNative(() =>
      build(
        onnxBytes,
        {
          fp16: fp16Mode === 'builder-flag',
          stronglyTyped: major >= 11,
          workspace,
          optimizationLevel,
          device,
          profiles: profiles.map((p) => Object.entries(p).map(([inputName, s]) => ({ name: inputName, ...s }))),
          timingCache,
        },
        (phase: string, step: number, steps: number) => progress({ phase: 'build', detail: phase, step, steps }),
        cancelFlag,
      ),
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  aborted();
  const buildMs = performance.now() - tBuild;
  // Which TensorRT and GPU made the plan: lets a later load name both sides of an incompatibility.
  const provenance = { tensorrt: caps.tensorrt.version, device: caps.cuda.devices[device]?.name, computeCapability: caps.cuda.devices[device]?.computeCapability };
  const engine = o.metadata === false ? native.plan : writeEngineFile(native.plan, engineMetadata(info, { dynamic, half: fp16, batch }, { ...provenance, ...o.metadata }));
  if (output) {
    progress({ phase: 'write', step: 0, steps: 1 });
    await writeFile(output, engine);
  }
  if (timingCachePath && native.timingCache) await writeFile(timingCachePath, native.timingCache);
  const layers = parseEngineInfo(native.engineInfo);
  const fp32 = fp16 ? fp32Layers(layers) : [];
  const warnings = [...native.warnings];
  if (fp32.length) warnings.push(`${fp32.length} layers fell back to FP32 in this FP16 build: ${fp32.slice(0, 5).join(', ')}${fp32.length > 5 ? ', ...' : ''}`);
  return {
    engine,
    report: {
      tensorrtVersion: caps.tensorrt.version!,
      precision: fp16 ? 'fp16' : 'fp32',
      fp16Mode,
      profiles: profiles.map(formatProfile),
      layers: layers.length || native.networkLayers,
      fp32Layers: fp32,
      warnings,
      timing: { parseMs: tBuild - t0, buildMs, totalMs: performance.now() - t0 },
      size: engine.length,
      device: caps.cuda.devices[device]?.name ?? `device ${device}`,
    },
  };
}
