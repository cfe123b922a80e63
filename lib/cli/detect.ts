import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

import { Command } from 'commander';

import { Detector } from '../detector/detector.js';
import { saveAnnotated } from './annotate.js';
import { addDetectionFlags } from './detect-flags.js';
import { intList } from './options.js';

interface DetectFlags {
  model: string;
  conf: number;
  iou: number;
  maxDet: number;
  classes?: number[];
  backend: 'auto' | 'onnxruntime' | 'tensorrt';
  imgsz?: number;
  json?: boolean;
  save?: string;
}

/** `trtjs detect`: detections for images, as a table or JSON lines, optionally drawn into copies. */
export function detectCommand(): Command {
  const cmd = new Command('detect')
    .description('detect objects in images')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, ...)')
    .requiredOption('-m, --model <file>', 'ONNX model or TensorRT engine');
  return addDetectionFlags(cmd, { conf: 0.25 })
    .option('--classes <ids>', 'only these class ids, e.g. 0,2', intList)
    .option('--json', 'print one JSON object per image')
    .option('--save <dir>', 'write annotated copies of the images to this directory')
    .action(async (images: string[], flags: DetectFlags) => {
      await using detector = await Detector.create(flags.model, { backend: flags.backend, imgsz: flags.imgsz });
      if (flags.save) await mkdir(flags.save, { recursive: true });
      for (const image of images) {
        const t0 = performance.now();
        const detections = await detector.detect(image, { conf: flags.conf, iou: flags.iou, maxDet: flags.maxDet, classes: flags.classes });
        const ms = performance.now() - t0;
        if (flags.save) await saveAnnotated(image, detections, join(flags.save, `${basename(image, extname(image))}${extname(image) || '.jpg'}`));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ image, ms: Number(ms.toFixed(1)), detections: detections.map((d) => ({ ...d, box: d.box.map((v) => Number(v.toFixed(1))), score: Number(d.score.toFixed(4)) })) })}\n`);
        } else {
          process.stdout.write(`${image}: ${detections.length} detections (${ms.toFixed(1)} ms)\n`);
          for (const d of detections) {
            process.stdout.write(`  ${d.className.padEnd(14)} ${d.score.toFixed(2)}  [${d.box.map((v) => v.toFixed(0).padStart(5)).join(' ')}]\n`);
          }
        }
      }
    });
}
