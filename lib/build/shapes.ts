/**
 * Optimization profiles for dynamic inputs: parsing (trtexec's `name:1x3x640x640` text form), defaults read
 * from the ONNX signature (Ultralytics' `dynamic=True` profile), and validation, all before any TensorRT call.
 */
import { TrtjsError } from '../errors.js';
import type { TensorInfo } from '../model/model-info.js';

export type Dims = number[];

/** Shapes of one input in one profile. A single `Dims` means min = opt = max. */
export interface InputShapes {
  min: Dims;
  opt: Dims;
  max: Dims;
}

/** One optimization profile: shapes per input name. */
export type Profile = Record<string, InputShapes>;

/** What callers may pass: one profile, several, or trtexec-style text. */
export type ShapesSpec = string | Record<string, InputShapes | Dims> | Array<string | Record<string, InputShapes | Dims>>;

const shapeError = (message: string) => new TrtjsError('ERR_SHAPE', message);

function parseDims(text: string, where: string): Dims {
  const parts = text.trim().split('x');
  const dims = parts.map(Number);
  if (!text.trim() || dims.some((d, i) => !/^\d+$/.test(parts[i]) || d < 1)) throw shapeError(`${where}: '${text}' is not dimensions like 1x3x640x640`);
  return dims;
}

/**
 * Parses `images:1x3x320x320,4x3x640x640,8x3x1280x1280` (min,opt,max) or `images:1x3x640x640` (fixed);
 * several inputs are separated by `;` or spaces.
 */
export function parseShapesText(text: string): Record<string, InputShapes> {
  const profile: Record<string, InputShapes> = {};
  for (const group of text.split(/[;\s]+/).filter(Boolean)) {
    const colon = group.lastIndexOf(':');
    if (colon <= 0) throw shapeError(`shapes: '${group}' must look like name:1x3x640x640 or name:min,opt,max`);
    const name = group.slice(0, colon);
    const sets = group
      .slice(colon + 1)
      .split(',')
      .map((d) => parseDims(d, `shapes for '${name}'`));
    if (sets.length !== 1 && sets.length !== 3) throw shapeError(`shapes for '${name}': give one shape or three (min,opt,max), got ${sets.length}`);
    if (profile[name]) throw shapeError(`shapes: input '${name}' is given twice`);
    profile[name] = sets.length === 1 ? { min: sets[0], opt: sets[0], max: sets[0] } : { min: sets[0], opt: sets[1], max: sets[2] };
  }
  return profile;
}

function normalizeProfile(p: string | Record<string, InputShapes | Dims>, index: number): Profile {
  if (typeof p === 'string') return parseShapesText(p);
  if (typeof p !== 'object' || p === null) throw shapeError(`shapes[${index}] must be text or an object of input shapes`);
  const out: Profile = {};
  for (const [name, s] of Object.entries(p)) {
    const dims = (d: unknown, which: string): Dims => {
      if (!Array.isArray(d) || !d.every((x) => Number.isInteger(x) && x > 0))
        throw shapeError(`shapes for '${name}'${which}: expected an array of positive integers, got ${JSON.stringify(d)}`);
      return [...d];
    };
    out[name] = Array.isArray(s)
      ? { min: dims(s, ''), opt: dims(s, ''), max: dims(s, '') }
      : { min: dims(s?.min, '.min'), opt: dims(s?.opt, '.opt'), max: dims(s?.max, '.max') };
  }
  return out;
}

/**
 * Resolves the profiles for a build: the caller's, completed by defaults, and checked against the model's
 * inputs. Static dimensions stay fixed; a dynamic image input [batch, 3, height, width] gets Ultralytics'
 * `dynamic=True` profile: min 1×3×32×32, opt batch×3×imgsz, max batch×3×(2·imgsz).
 */
export function resolveProfiles(inputs: TensorInfo[], spec: ShapesSpec | undefined, defaults: { imgsz: [number, number]; batch: number }): Profile[] {
  const given = spec === undefined ? [] : (Array.isArray(spec) ? spec : [spec]).map(normalizeProfile);
  const profiles = given.length ? given : [{}];
  const names = new Set(inputs.map((i) => i.name));
  return profiles.map((p, pi) => {
    const where = profiles.length > 1 ? `profile ${pi}: ` : '';
    for (const name of Object.keys(p)) {
      if (!names.has(name)) throw shapeError(`${where}the model has no input '${name}' (inputs: ${[...names].join(', ')})`);
    }
    const resolved: Profile = {};
    for (const input of inputs) {
      const dynamic = input.shape.map((d) => typeof d !== 'number' || d <= 0);
      let s = p[input.name];
      if (!s) {
        if (!dynamic.some(Boolean)) {
          const fixed = input.shape as number[];
          s = { min: fixed, opt: fixed, max: fixed };
        } else if (input.shape.length === 4 && !dynamic[1]) {
          const [h, w] = defaults.imgsz;
          const c = input.shape[1] as number;
          const pick = (i: number, dyn: number) => (dynamic[i] ? dyn : (input.shape[i] as number));
          s = {
            min: [pick(0, 1), c, pick(2, 32), pick(3, 32)],
            opt: [pick(0, defaults.batch), c, pick(2, h), pick(3, w)],
            max: [pick(0, defaults.batch), c, pick(2, 2 * h), pick(3, 2 * w)],
          };
        } else {
          throw shapeError(
            `${where}input '${input.name}' [${input.shape.join(', ')}] has dynamic dimensions: give its shapes (e.g. ${input.name}:min,opt,max)`,
          );
        }
      }
      validate(input, s, where);
      resolved[input.name] = s;
    }
    return resolved;
  });
}

function validate(input: TensorInfo, s: InputShapes, where: string): void {
  const rank = input.shape.length;
  for (const [which, d] of Object.entries(s) as Array<[string, Dims]>) {
    if (d.length !== rank)
      throw shapeError(`${where}input '${input.name}' has rank ${rank} [${input.shape.join(', ')}], ${which} shape ${d.join('x')} has rank ${d.length}`);
    d.forEach((v, i) => {
      const fixed = input.shape[i];
      if (typeof fixed === 'number' && fixed > 0 && v !== fixed) {
        throw shapeError(`${where}input '${input.name}' dimension ${i} is fixed at ${fixed} in the model, ${which} shape ${d.join('x')} has ${v}`);
      }
    });
  }
  for (let i = 0; i < rank; i++) {
    if (!(s.min[i] <= s.opt[i] && s.opt[i] <= s.max[i])) {
      throw shapeError(
        `${where}input '${input.name}': min ${s.min.join('x')} <= opt ${s.opt.join('x')} <= max ${s.max.join('x')} does not hold at dimension ${i}`,
      );
    }
  }
}

export function formatProfile(p: Profile): string {
  return Object.entries(p)
    .map(([n, s]) => `${n}:${s.min.join('x')},${s.opt.join('x')},${s.max.join('x')}`)
    .join(' ');
}
