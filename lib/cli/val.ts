import { dirname } from 'node:path';

import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';

import type { MetricsResult } from '../val/metrics.js';
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
    .description(
      "measure accuracy with Ultralytics' metrics for the model's task: box mAP50-95 / mAP50 (detect, obb), plus mask (segment) or keypoint (pose) mAP, top-1 / top-5 (classify)",
    )
    .requiredOption('--data <yaml>', 'dataset YAML, e.g. coco128.yaml (classification: the dataset folder)')
    .requiredOption('-m, --model <file>', 'ONNX model or TensorRT engine')
    .option('--root <dir>', "dataset root, when the YAML's path does not resolve (default: the YAML's folder)")
    .addOption(new Option('--split <name>', 'split to evaluate').choices(['train', 'val', 'test']).default('val'));
  return addDetectionFlags(cmd, 'val')
    .option('--limit <n>', 'only the first n images', positiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (flags: ValFlags) => {
      const bar =
        flags.json || !process.stderr.isTTY
          ? undefined
          : new cliProgress.SingleBar(
              { format: 'val [{bar}] {value}/{total} images {eta_formatted}', stream: process.stderr },
              cliProgress.Presets.shades_classic,
            );
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
  const label = (id: number) => (r.names[id] ?? String(id)).padEnd(16);
  if (r.task === 'classify') {
    return `${model}: ${r.images} images, ${r.msPerImage.toFixed(1)} ms/image\n${'top1_acc'.padStart(10)}${'top5_acc'.padStart(10)}\n${r.top1.toFixed(3).padStart(10)}${r.top5.toFixed(3).padStart(10)}\n`;
  }
  const cols = (m: MetricsResult) => `${f(m.precision)}${f(m.recall)}${f(m.map50)}${f(m.map5095).padStart(10)}`;
  const head = (what: string) => `${`${what}(P`.padStart(8)}${'R'.padStart(8)}${'mAP50'.padStart(8)}${'mAP50-95)'.padStart(10)}`;
  // Segment and pose: Ultralytics' two column groups, boxes then masks or keypoints.
  const second = r.task === 'segment' ? { title: 'Mask', m: r.masks } : r.task === 'pose' ? { title: 'Pose', m: r.pose } : undefined;
  const lines = [
    `${model}: ${r.task}, ${r.images} images, ${r.instances} instances, ${r.msPerImage.toFixed(1)} ms/image`,
    `${'class'.padEnd(16)}${'labels'.padStart(8)}${second ? `${head('Box')}${head(second.title)}` : `${'P'.padStart(8)}${'R'.padStart(8)}${'mAP50'.padStart(8)}${'mAP50-95'.padStart(10)}`}`,
    `${'all'.padEnd(16)}${String(r.instances).padStart(8)}${cols(r)}${second ? cols(second.m) : ''}`,
    ...r.perClass.map((c, i) => {
      const other = second?.m.perClass[i];
      const row = (m: { precision: number; recall: number; ap50: number; ap5095: number }) =>
        `${f(m.precision)}${f(m.recall)}${f(m.ap50)}${f(m.ap5095).padStart(10)}`;
      return `${label(c.classId)}${String(c.labels).padStart(8)}${row(c)}${other ? row(other) : ''}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}
