import { writeFile } from 'node:fs/promises';

import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';

import { bench } from '../bench/bench.js';
import { formatReport } from '../bench/format.js';
import type { BenchOptions } from '../bench/options.js';
import { PREDICT } from '../defaults.js';
import { BadInputError } from '../errors.js';

/** Commander's view of the options: bench()'s own, except the ones whose flag differs in name, unit or type. */
type Renamed = 'warmupMs' | 'durationMs' | 'transfers' | 'sampleIntervalMs' | 'shapes' | 'imgsz' | 'signal' | 'onProgress' | 'trace';
interface BenchFlags extends Omit<BenchOptions, Renamed> {
  backend: NonNullable<BenchOptions['backend']>;
  /** ms */
  warmup?: number;
  /** seconds, as trtexec's --duration */
  duration?: number;
  shapes?: string;
  imgsz?: number;
  /** --no-data-transfers */
  dataTransfers: boolean;
  /** ms */
  sampleInterval?: number;
  json?: string;
}

/** Exit codes a CI job can use. */
export const BENCH_EXIT = { ok: 0, error: 1, checkFailed: 2 } as const;

// Parsers that fail with a TrtjsError naming the flag, before anything runs (commander's own errors would not).
const num = (flag: string, rule: string, ok: (n: number) => boolean) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new BadInputError(`${flag} must be ${rule}, received ${JSON.stringify(value)}`);
  return n;
};
const positiveInt = (flag: string) => num(flag, 'a positive integer', (n) => Number.isInteger(n) && n >= 1);
const positive = (flag: string, unit: string) => num(flag, `a number > 0 (${unit})`, (n) => n > 0);
const unit = (flag: string) => num(flag, 'a number in [0, 1]', (n) => n >= 0 && n <= 1);
const levels = (value: string) => {
  const parts = value.split(',').map((s) => s.trim());
  if (!parts.length || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1))
    throw new BadInputError(`--concurrency must be comma-separated positive integers, e.g. 1,2,4,8, received ${JSON.stringify(value)}`);
  return parts.map(Number);
};

/** `trtjs bench`: FPS and latency as trtexec measures them, end to end, swept over concurrency, or compared. */
export function benchCommand(): Command {
  return new Command('bench')
    .description('benchmark a model: throughput and latency as trtexec measures them, end-to-end stages, concurrency sweep, or precisions compared')
    .argument('<model>', 'TensorRT engine, or ONNX model (runs on ONNX Runtime, CPU)')
    .addOption(new Option('--backend <name>', 'backend').choices(['auto', 'onnxruntime', 'tensorrt']).default('auto'))
    .option(
      '--device <n>',
      'CUDA device',
      num('--device', 'a device index', (n) => Number.isInteger(n) && n >= 0),
    )
    .option(
      '--warmup <ms>',
      'warm-up before timing, ms (trtexec --warmUp)',
      num('--warmup', 'a number >= 0 (ms)', (n) => n >= 0),
      200,
    )
    .option('--duration <s>', 'minimum timed duration, seconds (trtexec --duration)', positive('--duration', 'seconds'), 3)
    .option('--iterations <n>', 'minimum timed queries per stream (trtexec --iterations)', positiveInt('--iterations'), 10)
    .option('--streams <n>', 'concurrent queries: execution contexts or ONNX Runtime sessions (trtexec --streams)', positiveInt('--streams'), 1)
    .option('--batch <n>', 'batch size of dynamic inputs', positiveInt('--batch'))
    .option('--shapes <spec>', 'input shapes, e.g. images:1x3x640x640')
    .option('--imgsz <n>', 'image size for dynamic ONNX inputs and end-to-end mode', positiveInt('--imgsz'))
    .option('--no-data-transfers', 'no host-device copies per query (trtexec --noDataTransfers)')
    .option('--spin-wait', 'poll for completion instead of blocking (trtexec --useSpinWait)')
    .option('--cuda-graph', 'launch the engine from a CUDA graph captured per context (trtexec --useCudaGraph)')
    .option('--export-times <file>', 'write every timed query as JSON, trtexec --exportTimes field names')
    .option('--images <path>', 'end-to-end mode: an image file or a folder of images')
    .option('--in-flight <n>', 'end-to-end mode: frames in flight for the pipelined figure (default 2 x streams)', positiveInt('--in-flight'))
    .option('--conf <x>', 'end-to-end NMS confidence threshold', unit('--conf'), PREDICT.conf)
    .option('--iou <x>', 'end-to-end NMS IoU threshold', unit('--iou'), PREDICT.iou)
    .option('--max-det <n>', 'end-to-end maximum detections per image', positiveInt('--max-det'), PREDICT.maxDet)
    .option('--concurrency <list>', 'concurrency sweep, e.g. 1,2,4,8', levels)
    .option('--compare', 'ONNX Runtime CPU, TensorRT FP32 and FP16 of an ONNX model in one table')
    .option('--data <yaml>', 'compare: dataset YAML (or classification folder) for the accuracy column')
    .option('--root <dir>', "compare: dataset root, when the YAML's path does not resolve")
    .option('--limit <n>', 'compare: only the first n dataset images', positiveInt('--limit'))
    .option(
      '--min-map <x>',
      "compare: exit 2 when a configuration's accuracy is lower (the task's benchmark metric: mAP50-95 of boxes, masks (segment), keypoints (pose); top-5 for classify)",
      unit('--min-map'),
    )
    .option('--cache-dir <dir>', 'compare: where built engines are kept (default ~/.cache/trtjs/engines)')
    .option('--sysfs-root <dir>', 'read Jetson sysfs under this folder (default /)')
    .option('--sample-interval <ms>', 'device state sampling interval, ms', positive('--sample-interval', 'ms'), 500)
    .option('--json <file>', "write the full report as JSON ('-' for stdout instead of the text report)")
    .addHelpText('after', '\nExit codes: 0 done, 1 error (nothing or not all was measured), 2 a check failed (--min-map).')
    .action(async (model: string, flags: BenchFlags) => {
      const controller = new AbortController();
      const stop = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      const tty = process.stderr.isTTY && flags.json !== '-';
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: '{phase} [{bar}] {percentage}% | {done} done {detail}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let started = false;
      const options: BenchOptions = {
        backend: flags.backend,
        device: flags.device,
        warmupMs: flags.warmup,
        durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
        iterations: flags.iterations,
        streams: flags.streams,
        batch: flags.batch,
        shapes: flags.shapes,
        imgsz: flags.imgsz,
        transfers: flags.dataTransfers,
        spinWait: flags.spinWait ?? false,
        cudaGraph: flags.cudaGraph ?? false,
        exportTimes: flags.exportTimes,
        images: flags.images,
        inFlight: flags.inFlight,
        conf: flags.images ? flags.conf : undefined,
        iou: flags.images ? flags.iou : undefined,
        maxDet: flags.images ? flags.maxDet : undefined,
        concurrency: flags.concurrency,
        compare: flags.compare ?? false,
        data: flags.data,
        root: flags.root,
        limit: flags.limit,
        minMap: flags.minMap,
        cacheDir: flags.cacheDir,
        sysfsRoot: flags.sysfsRoot,
        sampleIntervalMs: flags.sampleInterval,
        signal: controller.signal,
        onProgress: (p) => {
          if (!bar) return;
          if (!started) bar.start(100, 0, { phase: p.phase, done: p.done, detail: p.detail ?? '' });
          started = true;
          bar.update(Math.round(Math.min(p.fraction, 1) * 100), { phase: p.phase, done: p.done, detail: p.detail ?? '' });
        },
      };
      try {
        const report = await bench(model, options);
        bar?.stop();
        if (flags.json && flags.json !== '-') await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
        process.stdout.write(flags.json === '-' ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        if (report.errors.length) process.exitCode = BENCH_EXIT.error;
        else if (!report.passed) process.exitCode = BENCH_EXIT.checkFailed;
      } finally {
        bar?.stop();
        process.off('SIGINT', stop);
      }
    });
}
