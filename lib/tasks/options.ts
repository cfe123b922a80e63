/** Validation of the options the box heads share, with exact messages; defaults from lib/defaults.ts. */
import { PREDICT } from '../defaults.js';
import * as check from '../util/validate.js';

/** Options shared by the box heads (detect, segment, pose, obb), as Ultralytics `predict` takes them. */
export interface BoxOptions {
  /** Confidence threshold: a candidate is kept when its score is > conf. */
  conf: number;
  /** NMS IoU threshold (probabilistic IoU for obb). */
  iou: number;
  /** Most detections kept per image. */
  maxDet: number;
  /** Most candidates entering NMS. */
  maxNms: number;
  /** One NMS over all classes. */
  agnostic: boolean;
  /** One candidate per class above `conf` rather than the best class only. */
  multiLabel: boolean;
  /** Keep only these class ids (null: all). */
  classes: number[] | null;
}

/** User-facing form of {@link BoxOptions}: every field optional, classes as any array of ids. */
export interface BoxOptionsInput {
  conf?: number;
  iou?: number;
  maxDet?: number;
  maxNms?: number;
  agnostic?: boolean;
  multiLabel?: boolean;
  classes?: ArrayLike<number> | null;
}

/**
 * Checks box options (`name` prefixes each message, e.g. 'segment: options') and fills what is missing from
 * `defaults`.
 *
 * @example
 * ```ts
 * boxOptions('pose: options', { conf: 0.5 }); // { conf: 0.5, iou: 0.7, maxDet: 300, ... }
 * ```
 */
export function boxOptions(name: string, value: unknown, defaults: Readonly<Omit<BoxOptions, 'classes'>> = PREDICT): BoxOptions {
  const o = check.options<BoxOptionsInput>(name, value);
  let classes: number[] | null = null;
  if (o.classes !== undefined && o.classes !== null) {
    if (!Array.isArray(o.classes) && !ArrayBuffer.isView(o.classes)) check.fail(`${name}.classes`, 'an array of class ids', o.classes);
    classes = Array.from(o.classes as ArrayLike<number>, (c, i) => check.integer(`${name}.classes[${i}]`, c, 0, 0x7fffffff));
  }
  return {
    conf: check.optional(o.conf, defaults.conf, (v) => check.number(`${name}.conf`, v, 0, 1)),
    iou: check.optional(o.iou, defaults.iou, (v) => check.number(`${name}.iou`, v, 0, 1)),
    maxDet: check.optional(o.maxDet, defaults.maxDet, (v) => check.integer(`${name}.maxDet`, v, 1, 0x7fffffff)),
    maxNms: check.optional(o.maxNms, defaults.maxNms, (v) => check.integer(`${name}.maxNms`, v, 1, 0x7fffffff)),
    agnostic: check.optional(o.agnostic, defaults.agnostic, (v) => check.boolean(`${name}.agnostic`, v)),
    multiLabel: check.optional(o.multiLabel, defaults.multiLabel, (v) => check.boolean(`${name}.multiLabel`, v)),
    classes,
  };
}
