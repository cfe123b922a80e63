import { Command, Option } from 'commander';

import { floatIn, positiveInt } from './options.js';

/** The detection flags `detect` and `val` share; their defaults differ (predict's vs val's confidence). */
export function addDetectionFlags(cmd: Command, defaults: { conf: number }): Command {
  return cmd
    .option('--conf <n>', 'confidence threshold', floatIn(0, 1), defaults.conf)
    .option('--iou <n>', 'NMS IoU threshold', floatIn(0, 1), 0.7)
    .option('--max-det <n>', 'maximum detections per image', positiveInt, 300)
    .option('--imgsz <n>', 'inference size for dynamic models', positiveInt)
    .addOption(new Option('--backend <name>', 'inference backend').choices(['auto', 'onnxruntime', 'tensorrt']).default('auto'));
}
