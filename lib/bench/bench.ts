import { writeFile } from 'node:fs/promises';

import type { Backend } from '../backends/backend.js';
import { capabilities } from '../capabilities.js';
import { TrtjsError } from '../errors.js';
import type { ModelSource } from '../model/read-model.js';
import { runComparison, measureInference } from './compare.js';
import { DeviceSampler } from './device/state.js';
import { readImages, runEndToEnd } from './end-to-end.js';
import { randomFeeds, resolveShapes } from './inputs.js';
import { isBackend, openModel, type Opened } from './open.js';
import { resolveOptions, type BenchOptions } from './options.js';
import { HostRunner, TensorRtRunner, type Runner } from './runners.js';
import { runSweep } from './sweep.js';
import type { BenchReport, InferenceMode } from './types.js';
import { deviceWarnings } from './warnings.js';

/**
 * Benchmarks a model on the device it runs on, and records that device's state with the figures.
 *
 * - Inference mode (default): queries on random inputs kept in place, timed as trtexec times them (warm-up 200 ms,
 *   then at least 3 s and 10 queries per stream; throughput over host wall time; Latency, Enqueue Time, H2D, GPU
 *   Compute, D2H with trtexec's median and percentile rules, CUDA events on TensorRT) and trtexec's warnings.
 * - End-to-end mode (`images`): encoded image to boxes in source pixels, per stage, one frame at a time and with
 *   `inFlight` frames at once.
 * - Concurrency sweep (`concurrency: [1, 2, 4, 8]`): throughput and request latency percentiles per level.
 * - Comparison mode (`compare: true`, an ONNX model): ONNX Runtime CPU, TensorRT FP32 and FP16 side by side, with
 *   the accuracy Ultralytics' benchmark reports for the model's task on `data` (mAP50-95 of boxes, masks, keypoints
 *   or rotated boxes; top-5 for classify); `minMap` fails the report when a configuration falls below it, and a
 *   configuration that fails to build or run fails it too (`errors`).
 *
 * Every option is checked before anything loads (ERR_BAD_INPUT, ERR_SHAPE), and the model and shapes before
 * anything runs. ONNX models run on ONNX Runtime's CPU provider, and their figures say CPU.
 *
 * @example
 * ```ts
 * import { bench } from 'trtjs';
 * const r = await bench('yolo11n.engine', { streams: 2, durationMs: 5000 });
 * console.log(r.inference!.throughput.qps, r.inference!.compute, r.device.jetson);
 * ```
 */
export async function bench(model: ModelSource | Backend, options?: BenchOptions): Promise<BenchReport> {
  const o = resolveOptions(options);
  if (!isBackend(model) && typeof model !== 'string' && !(model instanceof Uint8Array)) {
    throw new TrtjsError(
      'ERR_BAD_INPUT',
      `bench: model must be a file path, the bytes of an ONNX model or engine, or a loaded backend, received ${typeof model}`,
    );
  }
  // Images first: an empty folder is refused before a model is loaded.
  const images = o.images ? (await readImages(o.images)).bytes : undefined;
  const caps = await capabilities();
  const startedAt = new Date().toISOString();
  const name = typeof model === 'string' ? model : model instanceof Uint8Array ? `${model.length}-byte model` : `${model.kind} backend`;
  const sampler = await DeviceSampler.open(caps, { sysfsRoot: o.sysfsRoot, device: o.device, intervalMs: o.sampleIntervalMs });
  const report: BenchReport = { kind: 'inference', model: name, startedAt, device: sampler.state(), warnings: [], passed: true, failures: [], errors: [] };

  if (o.compare) {
    if (isBackend(model)) throw new TrtjsError('ERR_BAD_INPUT', 'bench: compare starts from an ONNX model file or bytes, not a loaded backend');
    report.kind = 'compare';
    sampler.start();
    try {
      report.comparison = await runComparison(model, o, caps, images);
    } finally {
      await sampler.stop();
    }
    for (const row of report.comparison.rows) {
      if (row.inference) report.warnings.push(...row.inference.warnings.filter((w) => !report.warnings.some((x) => x.code === w.code)));
      if (row.status === 'failed') report.errors.push(`${row.configuration}: ${row.reason}`);
      const metric = report.comparison.metric;
      if (o.minMap !== undefined && row.status === 'ok' && typeof row.accuracy === 'number' && row.accuracy < o.minMap) {
        report.failures.push(`${row.configuration}: ${metric} ${row.accuracy.toFixed(4)} is below the minimum ${o.minMap}`);
      }
    }
  } else {
    const lanes = o.concurrency ? Math.max(...o.concurrency) : o.streams;
    let opened: Opened | undefined;
    try {
      opened = await openModel(model, o.backend, o.device, lanes, caps);
      if (images) {
        report.kind = 'end-to-end';
        sampler.start();
        report.endToEnd = await runEndToEnd(opened.info, opened.backends, opened.description, images, o);
      } else {
        const shapes = resolveShapes(opened.info, o.shapes, o.batch, opened.profiles);
        if (o.concurrency) {
          const feeds = randomFeeds(opened.info, shapes);
          const runner: Runner = opened.tensorrt
            ? new TensorRtRunner(opened.description, opened.tensorrt, feeds, { transfers: o.transfers, spinWait: o.spinWait, cudaGraph: o.cudaGraph })
            : new HostRunner(opened.description, opened.backends, feeds);
          const batch = shapes[opened.info.inputs[0]?.name]?.[0] ?? 1;
          const mode: Omit<InferenceMode, 'streams'> = {
            warmupMs: o.warmupMs,
            durationMs: o.durationMs,
            iterations: o.iterations,
            transfers: runner.transfers,
            wait: runner.wait,
            cudaGraph: runner.cudaGraph,
            inputs: 'random',
          };
          report.kind = 'sweep';
          sampler.start();
          report.sweep = { backend: opened.description, mode, shapes, batch, levels: await runSweep(runner, o.concurrency, { ...o, batch }) };
        } else {
          sampler.start();
          report.inference = await measureInference(opened, { ...o, trace: o.trace || !!o.exportTimes }, 'inference');
          report.warnings.push(...report.inference.warnings);
        }
      }
    } finally {
      await sampler.stop();
      await opened?.dispose();
    }
  }
  report.device = sampler.state();
  report.warnings.push(...deviceWarnings(report.device.jetson, report.device.nvml));
  report.passed = report.failures.length === 0 && report.errors.length === 0;
  if (o.exportTimes && report.inference?.trace) {
    await writeFile(o.exportTimes, `${JSON.stringify(report.inference.trace, null, 1)}\n`);
    if (!o.trace) delete report.inference.trace;
  }
  return report;
}
