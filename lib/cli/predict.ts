import { Command } from 'commander';

import { BadInputError } from '../errors.js';
import { Predictor } from '../predictor/predictor.js';
import { resolveClasses } from './classes.js';
import { savedName, saveResult } from './save-result.js';
import { addDetectionFlags } from './detect-flags.js';
import { eachImage, reportFailures } from './each-image.js';
import { classList } from './options.js';
import { ensureOutputDir } from './output-dir.js';
import { resultJson, resultText } from './predict-format.js';

interface PredictFlags {
  model: string;
  conf: number;
  iou: number;
  maxDet: number;
  classes?: Array<number | string>;
  retinaMasks?: boolean;
  backend: 'auto' | 'onnxruntime' | 'tensorrt';
  imgsz?: number;
  json?: boolean;
  save?: string;
}

/**
 * `trtjs predict`: what the model's task gives for each image (boxes; boxes and masks; boxes and keypoints; rotated
 * boxes; top-5 classes), as a table or JSON lines, optionally drawn into copies. An image that fails is reported and
 * the others go on; the exit code is 1 when any failed.
 */
export function predictCommand(): Command {
  const cmd = new Command('predict')
    .description('run a model of any task (detect, segment, pose, obb, classify; from its metadata) on images')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, ...)')
    .requiredOption('-m, --model <file>', 'ONNX model or TensorRT engine');
  return addDetectionFlags(cmd, 'predict')
    .option('--classes <list>', 'only these classes, by id or name, e.g. 0,2 or person,car (not for classify)', classList)
    .option('--retina-masks', 'segment: masks made at the source resolution (retina_masks)')
    .option('--json', 'print one JSON object per image (masks as polygons and COCO RLE)')
    .option('--save <dir>', 'write annotated copies of the images to this directory')
    .action(async (images: string[], flags: PredictFlags) => {
      if (flags.save) await ensureOutputDir('--save', flags.save);
      const predictor = await Predictor.create(flags.model, { backend: flags.backend, imgsz: flags.imgsz });
      let failed: number;
      try {
        if (flags.classes && predictor.task === 'classify') {
          throw new BadInputError('--classes: a classify model gives class probabilities, not detections to filter; leave --classes out');
        }
        const classes = flags.classes && resolveClasses(flags.classes, predictor.info.names);
        const options = { conf: flags.conf, iou: flags.iou, maxDet: flags.maxDet, classes, retinaMasks: flags.retinaMasks };
        failed = await eachImage(images, flags.json, async (image) => {
          const t0 = performance.now();
          const result = await predictor.predict(image, options);
          const ms = performance.now() - t0;
          if (flags.save) await saveResult(image, result, savedName(flags.save, image));
          process.stdout.write(flags.json ? `${JSON.stringify({ image, ms: Number(ms.toFixed(1)), ...resultJson(result) })}\n` : resultText(image, result, ms));
        });
      } finally {
        await predictor.dispose();
      }
      reportFailures(failed, images.length);
    });
}
