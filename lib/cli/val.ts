import { dirname } from 'node:path';

import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';

import { val, type ValResult } from '../val/val.js';
import { addDetectionFlags } from './detect-flags.js';
import { positiveInt } from './options.js';

interface ValFlags {
  data: string;
  model: string;
  root?: string;
  split: 'train' | 'val' | 'test';
  conf: number;
  iou: number;
  maxDet: number;
  imgsz?: number;
  limit?: number;
  backend: 'auto' | 'onnxruntime' | 'tensorrt';
  json?: boolean;
}

/** `trtjs val`: mAP50-95 / mAP50 of a model on a YOLO dataset, as Ultralytics computes them. */
export function valCommand(): Command {
  const cmd = new Command('val')
    .description('measure mAP50-95 and mAP50 on a YOLO dataset (Ultralytics metrics)')
    .requiredOption('--data <yaml>', 'dataset YAML, e.g. coco128.yaml')
    .requiredOption('-m, --model <file>', 'ONNX model or TensorRT engine')
    .option('--root <dir>', "dataset root, when the YAML's path does not resolve (default: the YAML's folder)")
    .addOption(new Option('--split <name>', 'split to evaluate').choices(['train', 'val', 'test']).default('val'));
  return addDetectionFlags(cmd, 'val')
    .option('--limit <n>', 'only the first n images', positiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (flags: ValFlags) => {
      const bar = flags.json || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar({ format: 'val [{bar}] {value}/{total} images {eta_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic);
      let started = false;
      const result = await val({
        data: flags.data,
        root: flags.root ?? dirname(flags.data),
        split: flags.split,
        model: flags.model,
        conf: flags.conf,
        iou: flags.iou,
        maxDet: flags.maxDet,
        limit: flags.limit,
        detector: { backend: flags.backend, imgsz: flags.imgsz },
        onProgress: (done, total) => {
          if (!started) bar?.start(total, 0);
          started = true;
          bar?.update(done);
        },
      });
      bar?.stop();
      process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatVal(flags.model, result));
    });
}

export function formatVal(model: string, r: ValResult): string {
  const f = (n: number) => n.toFixed(3).padStart(8);
  const lines = [
    `${model}: ${r.images} images, ${r.instances} instances, ${r.msPerImage.toFixed(1)} ms/image`,
    `${'class'.padEnd(16)}${'labels'.padStart(8)}${'P'.padStart(8)}${'R'.padStart(8)}${'mAP50'.padStart(8)}${'mAP50-95'.padStart(10)}`,
    `${'all'.padEnd(16)}${String(r.instances).padStart(8)}${f(r.precision)}${f(r.recall)}${f(r.map50)}${f(r.map5095).padStart(10)}`,
    ...r.perClass.map((c) => `${(r.names[c.classId] ?? String(c.classId)).padEnd(16)}${String(c.labels).padStart(8)}${f(c.precision)}${f(c.recall)}${f(c.ap50)}${f(c.ap5095).padStart(10)}`),
  ];
  return `${lines.join('\n')}\n`;
}
