/**
 * The checks a candidate passes before it may serve, as timed stages: read → verify → load → validate → warmup →
 * golden. Each failure is a CandidateRejection naming its stage; the candidate is then released.
 */
import { readFile, stat } from 'node:fs/promises';

import type { ModelInfo } from '../model/model-info.js';
import { Predictor } from '../predictor/predictor.js';
import type { TaskResult } from '../tasks/types.js';
import { readError } from '../model/read-model.js';
import * as check from '../util/validate.js';
import { CandidateRejection, checkCompatible, checkGoldenResult, sha256, verifyHash, type SwapStage } from './candidate-checks.js';
import type { ResolvedHostOptions } from './options.js';
import type { SwapRecord } from './swap-record.js';

export interface AdmissionContext {
  options: ResolvedHostOptions;
  /** The serving model's info, read when the validate stage runs. */
  serving(): ModelInfo;
  /** Runs work on the serving model (the golden check's expected result). */
  onServing(work: (p: Predictor) => Promise<TaskResult>): Promise<TaskResult>;
  closed(): boolean;
  /** Called with each completed stage and its milliseconds. */
  timed(stage: SwapStage, ms: number): void;
}

export interface Admitted {
  predictor: Predictor;
  source: string;
  sha256: string;
  stages: SwapRecord['stages'];
  totalMs: number;
}

/** The stage a rejection happened at, and the record so far: attached to what `admit` throws. */
export class Rejected extends Error {
  constructor(
    readonly rejection: CandidateRejection,
    readonly source: string,
    readonly stages: SwapRecord['stages'],
    readonly totalMs: number,
  ) {
    super(rejection.message);
  }
}

/** Reads a model file (or takes bytes), refusing a file that changes while it is read. */
export async function readSource(source: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: `the ${source.length}-byte model` };
  if (typeof source !== 'string') check.fail('source', 'a model path or bytes', source);
  try {
    const before = await stat(source);
    const bytes = await readFile(source);
    const after = await stat(source);
    // A file still being written is not a model yet.
    if (before.size !== after.size || before.mtimeMs !== after.mtimeMs || bytes.length !== after.size) {
      throw new CandidateRejection('read', `${source} changed while it was being read`);
    }
    return { bytes, name: source };
  } catch (err) {
    if (err instanceof CandidateRejection) throw err;
    throw new CandidateRejection('read', `cannot read ${source}: ${readError(err)}`);
  }
}

/** An image of the letterbox's padding gray: enough to run a model once. */
function syntheticImage([h, w]: [number, number]) {
  return { data: new Uint8Array(h * w * 3).fill(114), width: w, height: h, channels: 3 as const, order: 'rgb' as const };
}

/** Runs every stage; resolves to the loaded, checked candidate or throws Rejected. */
export async function admit(source: string | Uint8Array, ctx: AdmissionContext): Promise<Admitted> {
  const t0 = performance.now();
  const stages: SwapRecord['stages'] = {};
  let name = typeof source === 'string' ? source : `the ${source instanceof Uint8Array ? source.length : 0}-byte model`;
  let stage: SwapStage = 'read';
  let candidate: Predictor | undefined;
  const timed = async <T>(s: SwapStage, fn: () => Promise<T>): Promise<T> => {
    stage = s;
    if (ctx.closed()) throw new CandidateRejection(s, 'the host was closed during the swap');
    const start = performance.now();
    const out = await fn();
    stages[s] = performance.now() - start;
    ctx.timed(s, stages[s]!);
    return out;
  };
  const o = ctx.options;
  try {
    const read = await timed('read', () => readSource(source));
    name = read.name;
    const digest = sha256(read.bytes);
    await timed('verify', () => verifyHash(digest, typeof source === 'string' ? source : undefined, o));
    candidate = await timed('load', async () => {
      try {
        return await Predictor.create({ bytes: read.bytes, name }, o.detector);
      } catch (err) {
        throw new CandidateRejection('load', (err as Error).message);
      }
    });
    const loaded = candidate;
    await timed('validate', async () => checkCompatible(ctx.serving(), loaded.info, o.labels));
    await timed('warmup', async () => {
      const image = o.golden?.image ?? syntheticImage(loaded.imgsz);
      for (let i = 0; i < o.warmup; i++) {
        try {
          await loaded.predict(image);
        } catch (err) {
          throw new CandidateRejection('warmup', `inference failed: ${(err as Error).message}`);
        }
      }
    });
    const golden = o.golden;
    if (golden) {
      await timed('golden', async () => {
        const expected = golden.expected ?? (await ctx.onServing((p) => p.predict(golden.image)));
        checkGoldenResult(expected, await loaded.predict(golden.image), golden.tolerance);
      });
    }
    if (ctx.closed()) throw new CandidateRejection('switch', 'the host was closed during the swap');
    return { predictor: loaded, source: name, sha256: digest, stages, totalMs: performance.now() - t0 };
  } catch (err) {
    await candidate?.dispose();
    const rejection = err instanceof CandidateRejection ? err : new CandidateRejection(stage, (err as Error).message);
    throw new Rejected(rejection, name, stages, performance.now() - t0);
  }
}
