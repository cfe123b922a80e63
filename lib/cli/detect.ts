import { Command } from 'commander';

import { toDetections } from '../detector/detection.js';
import { TrtjsError } from '../errors.js';
import { Predictor } from '../predictor/predictor.js';
import { aTask } from '../tasks/types.js';
import { resolveClasses } from './classes.js';
import { addDetectionFlags } from './detect-flags.js';
import { eachImage, reportFailures } from './each-image.js';
import { classList } from './options.js';
import { ensureOutputDir } from './output-dir.js';
import { savedName, saveResult } from './save-result.js';

interface DetectFlags {
  model: string;
  conf: number;
  iou: number;
  maxDet: number;
  classes?: Array<number | string>;
  backend: 'auto' | 'onnxruntime' | 'tensorrt';
  imgsz?: number;
  json?: boolean;
  save?: string;
}

/**
 * `trtjs detect`: detections for images, as a table or JSON lines, optionally drawn into copies. Detection models
 * only: another task's model is refused with a pointer to `trtjs predict`. An image that fails is reported (one line
 * on stderr; with --json also a line with its error) and the others go on; the exit code is 1 when any failed.
 */
export function detectCommand(): Command {
  const cmd = new Command('detect')
    .description('detect objects in images (detection models; `predict` runs every task)')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, ...)')
    .requiredOption('-m, --model <file>', 'ONNX model or TensorRT engine');
  return addDetectionFlags(cmd, 'predict')
    .option('--classes <list>', 'only these classes, by id or name, e.g. 0,2 or person,car', classList)
    .option('--json', 'print one JSON object per image')
    .option('--save <dir>', 'write annotated copies of the images to this directory')
    .action(async (images: string[], flags: DetectFlags) => {
      if (flags.save) await ensureOutputDir('--save', flags.save);
      const predictor = await Predictor.create(flags.model, { backend: flags.backend, imgsz: flags.imgsz });
      let failed: number;
      try {
        if (predictor.task !== 'detect') {
          throw new TrtjsError(
            'ERR_BAD_MODEL',
            `detect: ${flags.model} is ${aTask(predictor.task)} model; \`trtjs detect\` is for detect models, use \`trtjs predict\` (it draws and prints ${predictor.task} results)`,
          );
        }
        const classes = flags.classes && resolveClasses(flags.classes, predictor.info.names);
        failed = await eachImage(images, flags.json, async (image) => {
          const t0 = performance.now();
          const result = await (predictor as Predictor<'detect'>).predict(image, { conf: flags.conf, iou: flags.iou, maxDet: flags.maxDet, classes });
          const detections = toDetections(result);
          const ms = performance.now() - t0;
          if (flags.save) await saveResult(image, result, savedName(flags.save, image));
          if (flags.json) {
            const rounded = detections.map((d) => ({ ...d, box: d.box.map((v) => Number(v.toFixed(1))), score: Number(d.score.toFixed(4)) }));
            process.stdout.write(`${JSON.stringify({ image, ms: Number(ms.toFixed(1)), detections: rounded })}\n`);
          } else {
            process.stdout.write(`${image}: ${detections.length} detections (${ms.toFixed(1)} ms)\n`);
            for (const d of detections) {
              process.stdout.write(`  ${d.className.padEnd(14)} ${d.score.toFixed(2)}  [${d.box.map((v) => v.toFixed(0).padStart(5)).join(' ')}]\n`);
            }
          }
        });
      } finally {
        await predictor.dispose();
      }
      reportFailures(failed, images.length);
    });
}
