import { type Command, Option } from 'commander';

import { PREDICT, VAL } from '../defaults.js';
import { floatIn, positiveInt } from './options.js';

/** The detection flags `detect` and `val` share; their defaults are Ultralytics' predict and val defaults. */
export function addDetectionFlags(cmd: Command, mode: 'predict' | 'val'): Command {
  const defaults = mode === 'val' ? VAL : PREDICT;
  return cmd
    .option('--conf <n>', 'confidence threshold', floatIn(0, 1), defaults.conf)
    .option('--iou <n>', 'NMS IoU threshold', floatIn(0, 1), defaults.iou)
    .option('--max-det <n>', 'maximum detections per image', positiveInt, defaults.maxDet)
    .option('--imgsz <n>', 'inference size for dynamic models', positiveInt)
    .addOption(new Option('--backend <name>', 'inference backend').choices(['auto', 'onnxruntime', 'tensorrt']).default('auto'));
}
