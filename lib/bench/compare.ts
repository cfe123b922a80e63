/**
 * Comparison mode, Ultralytics' benchmark done with trtexec's figures: for one ONNX model, each configuration this
 * machine can run (ONNX Runtime CPU; TensorRT FP32 and FP16, engines built once into a cache keyed by model hash,
 * TensorRT version, GPU and precision) in one table: size, mAP50-95 on a dataset, inference and end-to-end time per
 * image, throughput. Configurations that cannot run here are listed as unavailable with the reason.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { buildEngine } from '../build/build-engine.js';
import type { Capabilities } from '../capabilities.js';
import { TrtjsError } from '../errors.js';
import { decodeOnnx, onnxModelInfo } from '../model/onnx-info.js';
import { looksLikeOnnx, readModelBytes, type ModelSource } from '../model/read-model.js';
import { taskOf } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import { val, type ValResult } from '../val/val.js';
import { runEndToEnd } from './end-to-end.js';
import { inferenceReport, runLoop } from './inference.js';
import { randomFeeds, resolveShapes } from './inputs.js';
import { describeTensorRt, openModel, type Opened } from './open.js';
import type { ResolvedOptions } from './options.js';
import { HostRunner, TensorRtRunner, type Runner } from './runners.js';
import type { AccuracyMetric, ComparisonReport, ComparisonRow, InferenceMode } from './types.js';

/** Ultralytics' benchmark figure per task (its `key` metrics: (B), (M), (P), (OBB), accuracy_top5). */
export const ACCURACY_METRIC: { readonly [T in Task]: AccuracyMetric } = Object.freeze({
  detect: 'mAP50-95(B)',
  segment: 'mAP50-95(M)',
  pose: 'mAP50-95(P)',
  obb: 'mAP50-95(OBB)',
  classify: 'top5',
});

/** The task's benchmark figure from a validation result. */
export function accuracyOf(r: ValResult): number {
  switch (r.task) {
    case 'segment':
      return r.masks.map5095;
    case 'pose':
      return r.pose.map5095;
    case 'classify':
      return r.top5;
    default:
      return r.map5095;
  }
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trtjs', 'engines');
}

/** The cached engine file for a model, TensorRT version, GPU and precision. */
export function enginePath(cacheDir: string, onnx: Uint8Array, tensorrt: string, gpu: string, precision: 'fp32' | 'fp16'): string {
  const hash = createHash('sha256').update(onnx).digest('hex').slice(0, 16);
  const slug = gpu.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '');
  return join(cacheDir, `${hash}-trt${tensorrt}-${slug}-${precision}.engine`);
}

/** Runs inference mode on an opened model with the options' settings. */
export async function measureInference(opened: Opened, o: ResolvedOptions, detail: string) {
  const shapes = resolveShapes(opened.info, o.shapes, o.batch, opened.profiles);
  const feeds = randomFeeds(opened.info, shapes);
  const runner: Runner = opened.tensorrt
    ? new TensorRtRunner(opened.description, opened.tensorrt, feeds, { transfers: o.transfers, spinWait: o.spinWait, cudaGraph: o.cudaGraph })
    : new HostRunner(opened.description, opened.backends, feeds);
  const mode: InferenceMode = {
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    iterations: o.iterations,
    streams: o.streams,
    transfers: runner.transfers,
    wait: runner.wait,
    cudaGraph: runner.cudaGraph,
    inputs: 'random',
  };
  const loop = await runLoop(runner, {
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    iterations: o.iterations,
    lanes: o.streams,
    signal: o.signal,
    onProgress: o.onProgress,
    detail,
  });
  const batch = shapes[opened.info.inputs[0]?.name]?.[0] ?? 1;
  return inferenceReport(runner, loop, mode, shapes, batch, o.trace);
}

export async function runComparison(model: ModelSource, o: ResolvedOptions, caps: Capabilities, images: Uint8Array[] | undefined): Promise<ComparisonReport> {
  const { bytes, name } = await readModelBytes(model);
  if (!looksLikeOnnx(bytes, name)) throw new TrtjsError('ERR_BAD_INPUT', `bench: compare starts from an ONNX model; ${name} is not one`);
  const task = taskOf(onnxModelInfo(decodeOnnx(bytes, name)));
  if (!caps.onnxruntime.available && !caps.tensorrt.available) {
    throw new TrtjsError(
      'ERR_TRT_UNAVAILABLE',
      `bench: compare has nothing to run here: TensorRT is unavailable (${caps.tensorrt.reason}) and so is ONNX Runtime (${caps.onnxruntime.reason})`,
    );
  }
  const rows: ComparisonRow[] = [];
  const measure = async (row: ComparisonRow, source: ModelSource, backend: 'onnxruntime' | 'tensorrt', precision?: string) => {
    let opened: Opened | undefined;
    try {
      opened = await openModel(source, backend, o.device, o.streams, caps);
      if (precision) opened.description = describeTensorRt(caps, o.device, opened.info, precision);
      const inference = await measureInference(opened, o, row.configuration);
      row.inference = inference;
      row.inferenceMsPerImage = (inference.compute.available ? inference.compute.median : NaN) / inference.batch;
      row.fps = inference.throughput.imagesPerSecond;
      if (images) {
        o.onProgress?.({ phase: 'end-to-end', fraction: 0, done: 0, detail: row.configuration });
        const e2e = await runEndToEnd(opened.info, opened.backends, opened.description, images, { ...o, inFlight: 0, detail: row.configuration });
        row.endToEndMsPerImage = e2e.sequential.stages.total.available ? e2e.sequential.stages.total.median : { unknown: 'not measured' };
      } else {
        row.endToEndMsPerImage = { unknown: 'no images given (images)' };
      }
      await opened.dispose();
      opened = undefined;
      if (o.data) {
        o.onProgress?.({ phase: 'accuracy', fraction: 0, done: 0, detail: row.configuration });
        const r = await val({
          data: o.data,
          root: o.root,
          model: source,
          limit: o.limit,
          signal: o.signal,
          detector: { backend, imgsz: o.imgsz, tensorrt: { device: o.device } },
          onProgress: (done, total) => o.onProgress?.({ phase: 'accuracy', fraction: done / total, done, detail: row.configuration }),
        });
        row.map5095 = 'map5095' in r ? r.map5095 : { unknown: `a ${r.task} model has no box mAP (top-1 ${r.top1.toFixed(3)})` };
        row.accuracy = accuracyOf(r);
      } else {
        row.map5095 = { unknown: 'no dataset given (data)' };
        row.accuracy = { unknown: 'no dataset given (data)' };
      }
      row.status = 'ok';
    } catch (err) {
      if (o.signal?.aborted || (err as TrtjsError)?.code === 'ERR_ABORTED') throw err;
      row.status = 'failed';
      row.reason = err instanceof Error ? err.message : String(err);
    } finally {
      await opened?.dispose();
    }
  };

  const ort: ComparisonRow = { configuration: 'ONNX Runtime CPU', format: 'onnx', precision: 'as exported', status: 'unavailable', sizeMB: bytes.length / 1e6 };
  rows.push(ort);
  if (!caps.onnxruntime.available) ort.reason = `ONNX Runtime is unavailable: ${caps.onnxruntime.reason}`;
  else await measure(ort, bytes, 'onnxruntime');

  for (const precision of ['fp32', 'fp16'] as const) {
    const row: ComparisonRow = { configuration: `TensorRT ${precision.toUpperCase()}`, format: 'engine', precision, status: 'unavailable' };
    rows.push(row);
    if (!caps.tensorrt.available) {
      row.reason = `TensorRT is unavailable: ${caps.tensorrt.reason}`;
      continue;
    }
    if (!caps.tensorrt.onnxParser.available) {
      row.reason = `TensorRT's ONNX parser is unavailable: ${caps.tensorrt.onnxParser.reason}`;
      continue;
    }
    const gpu = caps.cuda.devices[o.device]?.name ?? `device ${o.device}`;
    const dir = o.cacheDir ?? defaultCacheDir();
    const path = enginePath(dir, bytes, caps.tensorrt.version ?? 'unknown', gpu, precision);
    const cached = existsSync(path);
    try {
      if (!cached) {
        mkdirSync(dir, { recursive: true });
        await buildEngine({
          onnx: bytes,
          output: path,
          fp16: precision === 'fp16',
          shapes: o.shapes ? Object.fromEntries(Object.entries(o.shapes)) : undefined,
          batch: o.batch,
          imgsz: o.imgsz,
          device: o.device,
          signal: o.signal,
          onProgress: (p) => o.onProgress?.({ phase: 'build', fraction: p.steps ? p.step / p.steps : 0, done: p.step, detail: row.configuration }),
        });
      }
    } catch (err) {
      if (o.signal?.aborted) throw err;
      row.status = 'failed';
      row.reason = `engine build failed: ${err instanceof Error ? err.message : String(err)}`;
      continue;
    }
    row.engine = { path, cached };
    row.sizeMB = statSync(path).size / 1e6;
    await measure(row, path, 'tensorrt', precision === 'fp16' ? 'fp16 (built with the FP16 flag or ONNX conversion)' : 'fp32');
  }
  return { task, metric: ACCURACY_METRIC[task], rows, minMap: o.minMap };
}
