/**
 * End-to-end mode: what a service gets per frame, stage by stage, with the stages called directly (not through
 * Detector or Predictor) so each is timed on its own: decode the encoded image (already in memory) → pre-process
 * (letterbox; classification: resize + centre crop) → backend.run → post-process by the model's task head (detect:
 * YOLO decode + NMS, then scale boxes to the source image as a stage of its own; segment, pose, obb, classify: the
 * task's whole post-processing, masks, keypoints or rotated boxes in source pixels included). First one frame at a
 * time, then with N frames in flight, as a service pipelines them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

import type { Backend, Tensor } from '../backends/backend.js';
import { TrtjsError } from '../errors.js';
import { loadImage } from '../image/load.js';
import type { ModelInfo } from '../model/model-info.js';
import { decode } from '../ops/decode.js';
import { letterbox, type LetterboxDtype, type LetterboxResult } from '../ops/letterbox.js';
import { scaleBoxes } from '../ops/scale-boxes.js';
import { classifyTransform } from '../tasks/classify/transform.js';
import { letterboxFrame } from '../tasks/frame.js';
import { headFor } from '../tasks/registry.js';
import type { Frame as TaskFrame, Task, TaskResult } from '../tasks/types.js';
import { PER_TASK } from '../defaults.js';
import { now, span } from './clock.js';
import { figure, type BenchProgress } from './inference.js';
import type { BackendDescription, EndToEndReport } from './types.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff'];

/** The image files at `path` (a file, or a folder's images, sorted), read into memory. */
export async function readImages(path: string): Promise<{ files: string[]; bytes: Uint8Array[] }> {
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(path);
  } catch (err) {
    throw new TrtjsError('ERR_BAD_INPUT', `bench: images: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
  const files = s.isDirectory()
    ? (await readdir(path))
        .filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (!files.length) throw new TrtjsError('ERR_BAD_INPUT', `bench: images: no images (${IMAGE_EXTENSIONS.join(', ')}) in ${path}`);
  return { files, bytes: await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f)))) };
}

export interface EndToEndSettings {
  warmupMs: number;
  durationMs: number;
  iterations: number;
  /** Frames in flight for the pipelined figure; 0 skips it. */
  inFlight: number;
  imgsz?: [number, number];
  conf: number;
  iou: number;
  maxDet: number;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  detail?: string;
}

interface Frame {
  start: number;
  decode: number;
  letterbox: number;
  infer: number;
  postprocess: number;
  /** Detect only; the other heads scale as they post-process. */
  scaleBoxes: number;
  end: number;
  detections: number;
}

/** Instances a task's result holds: boxes, masks, poses or rotated boxes; a classification counts as one. */
function instances(r: TaskResult): number {
  if (r.task === 'classify') return 1;
  if (r.task === 'obb') return r.obb.count;
  return r.boxes.count;
}

/** What the stages are called for each task, in the report. */
const POSTPROCESS: { readonly [T in Task]: [label: string, definition: string] } = {
  detect: ['Decode + NMS', 'YOLO output decoding and non-maximum suppression'],
  segment: ['Decode + NMS + masks', 'decoding, NMS, masks from the prototypes at source resolution and their polygons'],
  pose: ['Decode + NMS + keypoints', 'decoding, NMS, boxes and keypoints scaled to source pixels'],
  obb: ['Decode + rotated NMS', 'decoding, probiou NMS, rotated boxes scaled to source pixels'],
  classify: ['Top-5', 'class probabilities ranked, top-1 and top-5'],
};

/** The per-frame pipeline over a model, configured from its metadata as Predictor configures itself. */
function pipeline(info: ModelInfo, backends: Backend[], s: EndToEndSettings) {
  // A model of a task trtjs does not know, or whose outputs do not fit its task, is refused here (ERR_BAD_MODEL).
  const head = headFor(info);
  const task = head.task;
  const inputs = info.inputs;
  if (inputs.length !== 1 || inputs[0].shape.length !== 4) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `bench: end-to-end mode needs one image input [batch, 3, height, width], the model has ${inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}`,
    );
  }
  const input = inputs[0];
  if (input.dtype !== 'float32' && input.dtype !== 'float16')
    throw new TrtjsError('ERR_BAD_MODEL', `bench: end-to-end mode needs a float32 or float16 image input, the model's is ${input.dtype}`);
  const [b, , h, w] = input.shape;
  if (typeof b === 'number' && b > 1)
    throw new TrtjsError('ERR_BAD_MODEL', `bench: end-to-end mode runs one frame per query; the model's batch is fixed at ${b}`);
  const dynamic = typeof h !== 'number' || typeof w !== 'number' || h <= 0 || w <= 0;
  const fallback = PER_TASK.imgsz[task];
  const size: [number, number] = dynamic ? (s.imgsz ?? info.imgsz ?? [fallback, fallback]) : [h as number, w as number];
  if (!dynamic && s.imgsz && (s.imgsz[0] !== h || s.imgsz[1] !== w))
    throw new TrtjsError('ERR_SHAPE', `bench: imgsz [${s.imgsz.join(', ')}] differs from the model's fixed input [${h}, ${w}]`);
  const dtype = input.dtype as LetterboxDtype;
  const output = info.outputs[0]?.name;
  const options = head.options('bench: end-to-end', { conf: s.conf, iou: s.iou, maxDet: s.maxDet });
  let next = 0;
  const run = async (bytes: Uint8Array): Promise<Frame> => {
    const backend = backends[next++ % backends.length];
    const start = now();
    const raw = await loadImage(bytes, { signal: s.signal });
    const t1 = now();
    let tensor: { data: Float32Array | Uint16Array; shape: readonly number[] };
    let frame: TaskFrame;
    let lb: LetterboxResult<LetterboxDtype> | undefined;
    if (head.preprocess === 'classify') {
      const t = classifyTransform(raw, { size: size[0], dtype });
      [tensor, frame] = [{ data: t.data as Float32Array | Uint16Array, shape: t.shape }, t.frame];
    } else {
      // Ultralytics predict's minimal-rectangle padding on dynamic models (rect), a full square otherwise.
      lb = letterbox(raw, { size, auto: dynamic, stride: info.stride ?? 32, dtype });
      [tensor, frame] = [{ data: lb.data as Float32Array | Uint16Array, shape: lb.shape }, letterboxFrame(lb)];
    }
    const t2 = now();
    const feeds: Record<string, Tensor> = { [input.name]: { dtype: input.dtype, dims: [...tensor.shape], data: tensor.data } };
    const outs = await backend.run(feeds, { signal: s.signal });
    const t3 = now();
    if (task !== 'detect') {
      const [result] = head.postprocess(outs, [frame], options, info);
      const end = now();
      return { start, decode: t1 - start, letterbox: t2 - t1, infer: t3 - t2, postprocess: end - t3, scaleBoxes: 0, end, detections: instances(result) };
    }
    const out = (output && outs[output]) || Object.values(outs)[0];
    if (!out || !(out.data instanceof Float32Array || out.data instanceof Uint16Array) || out.dims.length !== 3) {
      throw new TrtjsError(
        'ERR_BAD_MODEL',
        `bench: end-to-end mode needs a YOLO detection output [batch, rows, cols] in float32/float16, got ${out ? `${out.dtype} [${out.dims.join(', ')}]` : 'none'}`,
      );
    }
    const [dets] = decode(out.data, out.dims, { conf: s.conf, iou: s.iou, maxDet: s.maxDet, nc: info.names?.length, end2end: info.end2end });
    const t4 = now();
    const scaled = scaleBoxes(dets, lb!);
    const end = now();
    return { start, decode: t1 - start, letterbox: t2 - t1, infer: t3 - t2, postprocess: t4 - t3, scaleBoxes: end - t4, end, detections: scaled.count };
  };
  return { run, size, task };
}

/** Runs `lanes` frame loops until the duration and iterations are reached; frames begun in the warm-up are not timed. */
async function loop(run: (bytes: Uint8Array) => Promise<Frame>, images: Uint8Array[], lanes: number, s: EndToEndSettings, phase: string): Promise<Frame[]> {
  const origin = now();
  const warmupEnd = origin + s.warmupMs;
  const measureEnd = warmupEnd + s.durationMs;
  const timed: Frame[] = [];
  let i = 0;
  let failure: unknown;
  const done = () => failure !== undefined || s.signal?.aborted || (now() >= measureEnd && timed.length >= s.iterations);
  const progress = s.onProgress
    ? setInterval(
        () => s.onProgress!({ phase, fraction: Math.min((now() - origin) / (s.warmupMs + s.durationMs), 1), done: timed.length, detail: s.detail }),
        100,
      )
    : undefined;
  progress?.unref();
  const lane = async () => {
    while (!done()) {
      try {
        const f = await run(images[i++ % images.length]);
        if (f.start >= warmupEnd) timed.push(f);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    if (progress) clearInterval(progress);
  }
  if (s.signal?.aborted) throw new TrtjsError('ERR_ABORTED', 'bench: aborted', { cause: s.signal.reason });
  if (failure !== undefined) throw failure;
  return timed;
}

const wall = (frames: Frame[]) => span(frames);

/** Measures the pipeline one frame at a time, then with `inFlight` frames at once. */
export async function runEndToEnd(
  info: ModelInfo,
  backends: Backend[],
  description: BackendDescription,
  images: Uint8Array[],
  s: EndToEndSettings,
): Promise<EndToEndReport> {
  const { run, size, task } = pipeline(info, backends, s);
  await run(images[0]); // one frame through every stage before timing: a model the pipeline cannot serve fails here
  const seq = await loop(run, images, 1, s, 'end-to-end');
  const stage = (key: keyof Omit<Frame, 'start' | 'end' | 'detections'>, label: string, definition: string) =>
    figure(
      seq.map((f) => f[key]),
      label,
      'host-clock',
      definition,
    );
  const seqWall = wall(seq);
  const pipelined = s.inFlight > 0 ? await loop(run, images, s.inFlight, s, `end-to-end, ${s.inFlight} in flight`) : [];
  const pipeWall = pipelined.length ? wall(pipelined) : 0;
  const [postLabel, postDefinition] = POSTPROCESS[task];
  const output = task === 'detect' ? 'boxes in source pixels' : task === 'classify' ? 'top-5 classes' : `${task} results in source pixels`;
  return {
    backend: description,
    task,
    images: images.length,
    imgsz: { height: size[0], width: size[1] },
    warmupMs: s.warmupMs,
    durationMs: s.durationMs,
    sequential: {
      frames: seq.length,
      walltimeMs: seqWall,
      fps: (seq.length / seqWall) * 1000,
      stages: {
        decode: stage('decode', 'Decode image', 'encoded bytes (in memory) to pixels, as cv2.imread decodes them'),
        letterbox:
          task === 'classify'
            ? stage('letterbox', 'Resize + centre crop', "Ultralytics' classification transform to the model input tensor")
            : stage('letterbox', 'Letterbox', 'resize, pad and normalise to the model input tensor'),
        infer: stage('infer', description.device === 'GPU' ? 'Inference' : 'Inference (CPU)', 'backend.run(): input in, inference, output out'),
        postprocess: stage('postprocess', postLabel, postDefinition),
        scaleBoxes:
          task === 'detect'
            ? stage('scaleBoxes', 'Scale boxes', 'boxes from model input pixels back to source image pixels')
            : { available: false, label: 'Scale boxes', reason: `part of ${postLabel}: the ${task} head scales to source pixels as it post-processes` },
        total: figure(
          seq.map((f) => f.end - f.start),
          'Total',
          'host-clock',
          `encoded image in, ${output} out`,
        ),
      },
      detectionsPerFrame: seq.reduce((a, f) => a + f.detections, 0) / seq.length,
    },
    inFlight: {
      frames: pipelined.length,
      concurrency: s.inFlight,
      walltimeMs: pipeWall,
      fps: pipelined.length ? (pipelined.length / pipeWall) * 1000 : 0,
      latency: pipelined.length
        ? figure(
            pipelined.map((f) => f.end - f.start),
            'Frame latency',
            'host-clock',
            `encoded image in, ${output} out, with ${s.inFlight} frames in flight (waiting included)`,
          )
        : { available: false, label: 'Frame latency', reason: 'not measured (inFlight 0)' },
    },
  };
}
