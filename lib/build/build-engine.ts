import { readFile, writeFile } from 'node:fs/promises';

import { capabilities } from '../capabilities.js';
import { BUILD } from '../defaults.js';
import { TrtjsError, settleNative } from '../errors.js';
import { writeEngineFile } from '../model/engine-file.js';
import { decodeOnnx, onnxModelInfo } from '../model/onnx-info.js';
import { readModelFile } from '../model/read-model.js';
import { checkWritableDir } from '../util/files.js';
import { layerFunction } from '../native/binding.js';
import { onnxToFloat16 } from '../onnx/float16.js';
import { RequestQueue } from '../util/request-queue.js';
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
  /** Builder optimization level 0-5 (TensorRT ≥ 8.6). Default: TensorRT's (3). */
  optimizationLevel?: number;
  /** CUDA device index. Default 0. */
  device?: number;
  /** Extra metadata merged into the engine header; `false` writes a plain plan without header. */
  metadata?: Record<string, unknown> | false;
  /**
   * Cancels the build; the Promise rejects with ERR_ABORTED at once (within a second) on every TensorRT version. A
   * build waiting for another one is taken out of the queue; a running one is stopped at TensorRT's next progress step
   * (TensorRT 10+: every step, tactic timing included). TensorRT 8.x reports no progress, so there its builder goes
   * on in the background until it returns, and its plan is then dropped.
   */
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
  /** parseMs: reading and checking the model; queueMs: waiting for other builds of this process; buildMs: TensorRT. */
  timing: { parseMs: number; queueMs: number; buildMs: number; totalMs: number };
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

/**
 * The process's builds, one at a time (TensorRT's builds are not run side by side: they have corrupted memory in other
 * hosts and would skew each other's tactic timing). The others wait here, in JavaScript, holding no libuv thread,
 * so waiting builds never stall inference or file I/O; an abort takes a waiting build out of the queue.
 */
const builds = new RequestQueue('buildEngine', 1, BUILD.maxQueue);

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
  const timingCachePath = check.optional(o.timingCache, undefined, (v) =>
    typeof v === 'string' && v ? v : check.fail('buildEngine: options.timingCache', 'a file path', v),
  );
  if (o.metadata !== undefined && o.metadata !== false) check.object('buildEngine: options.metadata', o.metadata);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') check.fail('buildEngine: options.onProgress', 'a function', o.onProgress);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) check.fail('buildEngine: options.signal', 'an AbortSignal', o.signal);
  const progress = (p: BuildProgress) => o.onProgress?.(p);
  const aborted = () => {
    if (o.signal?.aborted) throw new TrtjsError('ERR_ABORTED', 'buildEngine: aborted');
  };

  // The caller's bytes are copied before the first await: a build may wait in the queue, and the caller may reuse or
  // detach its buffer as soon as this call returns.
  const given = o.onnx instanceof Uint8Array ? o.onnx.slice() : o.onnx;
  progress({ phase: 'parse', step: 0, steps: 1 });
  if (output) await checkWritableDir('buildEngine: options.output', output);
  const { bytes, name } = await readModelFile(given, 'onnx', 'buildEngine: options.onnx');
  const info = onnxModelInfo(decodeOnnx(bytes, name));
  const batch = check.optional(o.batch, info.batch ?? 1, (v) => check.integer('buildEngine: options.batch', v, 1, 4096));
  const imgsz: [number, number] = o.imgsz === undefined ? (info.imgsz ?? [640, 640]) : typeof o.imgsz === 'number' ? [o.imgsz, o.imgsz] : o.imgsz;
  imgsz.forEach((d, i) => {
    check.integer(`buildEngine: options.imgsz[${i}]`, d, 1, 16384);
  });
  const profiles: Profile[] = resolveProfiles(info.inputs, o.shapes, { imgsz, batch });
  const dynamic = info.inputs.some((i) => i.shape.some((d) => typeof d !== 'number' || d <= 0));
  aborted();

  const caps = await capabilities();
  const build = layerFunction('trtBuildEngine', 'tensorrt');
  const cancelToken = layerFunction('trtCancelToken', 'tensorrt');
  const cancelBuild = layerFunction('trtCancelBuild', 'tensorrt');
  if (!caps.tensorrt.available) {
    throw new TrtjsError(
      'ERR_TRT_UNAVAILABLE',
      `buildEngine: TensorRT is unavailable: ${caps.tensorrt.reason ?? 'the TensorRT layer is not compiled into this binary'}`,
    );
  }
  if (!caps.tensorrt.onnxParser.available) {
    throw new TrtjsError('ERR_TRT_UNAVAILABLE', `buildEngine: TensorRT's ONNX parser is unavailable: ${caps.tensorrt.onnxParser.reason}`);
  }
  if (!caps.tensorrt.builder.available) {
    throw new TrtjsError('ERR_TRT_UNAVAILABLE', `buildEngine: TensorRT's builder is unavailable: ${caps.tensorrt.builder.reason}`);
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

  // As trtexec builds: dimensions only for dynamic inputs (TensorRT may but need not be told a static input's), and
  // no optimization profile at all for a network without dynamic inputs.
  const dynamicInputs = new Set(info.inputs.filter((i) => i.shape.some((d) => typeof d !== 'number' || d <= 0)).map((i) => i.name));
  const nativeProfiles = dynamic
    ? profiles.map((p) =>
        Object.entries(p)
          .filter(([n]) => dynamicInputs.has(n))
          .map(([n, s]) => ({ name: n, ...s })),
      )
    : [];
  const tQueued = performance.now();
  let tBuild = tQueued;
  // Waits here, in JavaScript, while another build runs; then builds, cancelled through native-owned state (the
  // token) that the build thread reads: nothing JavaScript can detach or collect.
  const native = await builds.run(async () => {
    aborted();
    const token = cancelToken();
    const onAbort = () => cancelBuild(token);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    tBuild = performance.now();
    try {
      return await settleNative(() =>
        build(
          onnxBytes,
          { fp16: fp16Mode === 'builder-flag', stronglyTyped: major >= 11, workspace, optimizationLevel, device, profiles: nativeProfiles, timingCache },
          (phase: string, step: number, steps: number) => progress({ phase: 'build', detail: phase, step, steps }),
          token,
        ),
      );
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }, o.signal);
  aborted();
  const buildMs = performance.now() - tBuild;
  // Which TensorRT and GPU made the plan: lets a later load name both sides of an incompatibility.
  const provenance = {
    tensorrt: caps.tensorrt.version,
    device: caps.cuda.devices[device]?.name,
    computeCapability: caps.cuda.devices[device]?.computeCapability,
  };
  const engine =
    o.metadata === false ? native.plan : writeEngineFile(native.plan, engineMetadata(info, { dynamic, half: fp16, batch }, { ...provenance, ...o.metadata }));
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
      timing: { parseMs: tQueued - t0, queueMs: tBuild - tQueued, buildMs, totalMs: performance.now() - t0 },
      size: engine.length,
      device: caps.cuda.devices[device]?.name ?? `device ${device}`,
    },
  };
}
