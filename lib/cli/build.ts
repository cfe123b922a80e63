import { Command } from 'commander';
import cliProgress from 'cli-progress';

import { buildEngine, type BuildReport } from '../build/build-engine.js';
import { positiveInt } from './options.js';

interface BuildFlags {
  output: string;
  fp16?: boolean;
  shapes?: string;
  batch?: number;
  imgsz?: number;
  workspace?: string;
  timingCache?: string;
  optLevel?: number;
  device?: number;
  plain?: boolean;
  json?: boolean;
}

/** `trtjs build`: ONNX → engine, with a progress bar and a final report. */
export function buildCommand(): Command {
  return new Command('build')
    .description('build a TensorRT engine from an ONNX model')
    .argument('<model>', 'ONNX model')
    .requiredOption('-o, --output <file>', 'engine file to write')
    .option('--fp16', 'build in FP16')
    .option('--shapes <spec>', 'dynamic shapes, e.g. images:1x3x320x320,4x3x640x640,8x3x1280x1280')
    .option('--batch <n>', 'max batch of the default dynamic profile', positiveInt)
    .option('--imgsz <n>', 'image size of the default dynamic profile', positiveInt)
    .option('--workspace <size>', 'builder workspace limit, e.g. 2G')
    .option('--timing-cache <file>', 'timing cache to read and update')
    .option('--opt-level <n>', 'builder optimization level 0-5', (v) => Number(v))
    .option('--device <n>', 'CUDA device', (v) => Number(v))
    .option('--plain', 'write a plain plan without the metadata header')
    .option('--json', 'print the report as JSON')
    .action(async (model: string, flags: BuildFlags) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      const bar =
        flags.json || !process.stderr.isTTY
          ? undefined
          : new cliProgress.SingleBar(
              { format: 'building {phase} [{bar}] {percentage}% {detail}', stream: process.stderr, hideCursor: true },
              cliProgress.Presets.shades_classic,
            );
      bar?.start(100, 0, { phase: 'parse', detail: '' });
      try {
        const { report } = await buildEngine({
          onnx: model,
          output: flags.output,
          fp16: flags.fp16,
          shapes: flags.shapes,
          batch: flags.batch,
          imgsz: flags.imgsz,
          workspace: flags.workspace,
          timingCache: flags.timingCache,
          optimizationLevel: flags.optLevel,
          device: flags.device,
          metadata: flags.plain ? false : undefined,
          signal: controller.signal,
          onProgress: (p) => bar?.update(p.steps ? Math.round((100 * p.step) / p.steps) : 0, { phase: p.phase, detail: p.detail ?? '' }),
        });
        bar?.update(100);
        bar?.stop();
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(flags.output, report));
      } finally {
        bar?.stop();
        process.off('SIGINT', stop);
      }
    });
}

export function formatReport(output: string, r: BuildReport): string {
  const lines = [
    `${output}: ${(r.size / 2 ** 20).toFixed(1)} MiB, TensorRT ${r.tensorrtVersion}, ${r.precision}${r.fp16Mode === 'onnx-conversion' ? ' (ONNX converted to FP16)' : ''}, ${r.layers} layers, on ${r.device}`,
    ...r.profiles.map((p, i) => `  profile ${i}: ${p}`),
    `  time: ${(r.timing.totalMs / 1000).toFixed(1)} s (build ${(r.timing.buildMs / 1000).toFixed(1)} s)`,
    ...r.warnings.map((w) => `  warning: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}
