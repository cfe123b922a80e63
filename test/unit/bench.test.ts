import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runComparison } from '../../lib/bench/compare.js';
import { resolveOptions } from '../../lib/bench/options.js';
import {
  OnnxRuntimeBackend,
  Predictor,
  TrtjsError,
  bench,
  capabilities,
  formatBenchReport,
  writeEngineFile,
  type BenchReport,
  type Figure,
  type TimingFigure,
} from '../../lib/index.js';
import { coco128Seg, fixture } from '../helpers/fixtures.js';
import { colourClassifier, obbModel, poseModel } from '../helpers/task-models.js';
import { runCli } from '../helpers/run.js';

// The bench on ONNX Runtime (CPU) with real fixture models, about a second per run: every field of the report is
// checked, the figures against the per-query trace recomputed here by sorting.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');
const model = fixture('models/yolo11n_int8_320.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'trtjs-bench-'));
const short = { warmupMs: 150, durationMs: 1000, iterations: 5, sampleIntervalMs: 100 };

const ok = (f: Figure): TimingFigure => {
  expect(f.available, JSON.stringify(f)).toBe(true);
  return f as TimingFigure;
};

/** An independent summary: sort, take the middle, the nearest rank the trtexec way as literally written. */
function check(f: TimingFigure, values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  expect(f.count).toBe(n);
  expect(f.min).toBe(s[0]);
  expect(f.max).toBe(s[n - 1]);
  expect(f.median).toBe(n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
  const mean = s.reduce((a, b) => a + b, 0) / n;
  expect(f.mean).toBeCloseTo(mean, 9);
  expect(f.cvPercent).toBeCloseTo((Math.sqrt(s.reduce((a, x) => a + (x - mean) ** 2, 0) / n) / mean) * 100, 6);
  for (const p of [90, 95, 99] as const) expect(f[`p${p}`]).toBe(s[Math.max(n - 1 - Math.trunc(Math.fround(Math.fround(1 - Math.fround(p / 100)) * n)), 0)]);
}

describe('bench, inference mode on ONNX Runtime', () => {
  let report: BenchReport;
  const times = join(tmp, 'times.json');

  it('runs about a second and reports every figure', async () => {
    const phases = new Set<string>();
    report = await bench(model, { ...short, exportTimes: times, onProgress: (p) => phases.add(p.phase) });
    expect(report.kind).toBe('inference');
    expect(report.model).toBe(model);
    expect(report.passed).toBe(true);
    expect(report.failures).toEqual([]);
    expect(Date.parse(report.startedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(phases).toEqual(new Set(['warmup', 'measure']));
    const r = report.inference!;
    expect(r.backend).toMatchObject({ kind: 'onnxruntime', device: 'CPU' });
    expect(r.backend.description).toMatch(/^ONNX Runtime \d+\.\d+\.\d+, CPU execution provider$/);
    expect(r.backend.precision).toBe('as exported; input float32');
    expect(r.mode).toEqual({
      warmupMs: 150,
      durationMs: 1000,
      iterations: 5,
      streams: 1,
      transfers: 'none',
      wait: 'promise',
      cudaGraph: false,
      inputs: 'random',
    });
    expect(r.shapes).toEqual({ images: [1, 3, 320, 320] });
    expect(r.batch).toBe(1);
    expect(r.warmup.ms).toBe(150);
    expect(r.warmup.queries).toBeGreaterThanOrEqual(1);
    expect(r.queries).toBeGreaterThanOrEqual(5);
    // The trace (trtexec --exportTimes) holds every timed query; the figures are its summaries.
    const trace = JSON.parse(readFileSync(times, 'utf8'));
    expect(r.trace).toBeUndefined(); // written to the file only
    expect(trace).toHaveLength(r.queries);
    for (const q of trace) {
      expect(Object.keys(q).sort()).toEqual(
        [
          'computeMs',
          'd2hMs',
          'endComputeMs',
          'endD2hMs',
          'endEnqMs',
          'endH2dMs',
          'h2dMs',
          'latencyMs',
          'startComputeMs',
          'startD2hMs',
          'startEnqMs',
          'startH2dMs',
          'stream',
        ].sort(),
      );
      expect(q.startComputeMs).toBeGreaterThanOrEqual(150); // warm-up queries are not timed
      expect(q.startEnqMs).toBeLessThanOrEqual(q.endEnqMs);
      expect(q.endComputeMs - q.startComputeMs).toBeCloseTo(q.computeMs, 9);
      expect(q.latencyMs).toBeCloseTo(q.h2dMs + q.computeMs + q.d2hMs, 9);
      expect([q.h2dMs, q.d2hMs, q.stream]).toEqual([0, 0, 0]);
    }
    // One stream: queries one after another.
    for (let i = 1; i < trace.length; i++) expect(trace[i].startEnqMs).toBeGreaterThanOrEqual(trace[i - 1].endComputeMs - 1e-6);
    check(
      ok(r.latency),
      trace.map((q: { latencyMs: number }) => q.latencyMs),
    );
    check(
      ok(r.compute),
      trace.map((q: { computeMs: number }) => q.computeMs),
    );
    check(
      ok(r.enqueue),
      trace.map((q: { startEnqMs: number; endEnqMs: number }) => q.endEnqMs - q.startEnqMs),
    );
    expect(ok(r.compute).label).toBe('Compute Time (CPU)');
    expect(ok(r.compute).timedBy).toBe('host-clock');
    expect(ok(r.request).count).toBe(r.queries);
    expect(r.h2d).toEqual({ available: false, label: 'H2D Latency', reason: 'CPU execution: there are no host-device transfers' });
    expect(r.d2h.available).toBe(false);
    // Throughput over the host wall time: from the first timed query's start to the last one's end.
    const first = trace[0].startEnqMs;
    const last = trace[trace.length - 1].endComputeMs;
    expect(r.walltimeMs).toBeCloseTo(last - first, 6);
    expect(last).toBeGreaterThanOrEqual(150 + 1000); // ran past warm-up + duration
    expect(r.throughput.qps).toBeCloseTo((r.queries / r.walltimeMs) * 1000, 9);
    expect(r.throughput.imagesPerSecond).toBe(r.throughput.qps);
    expect(r.totalComputeMs).toBeCloseTo(
      trace.reduce((a: number, q: { computeMs: number }) => a + q.computeMs, 0),
      6,
    );
    expect(r.warnings.map((w) => w.code)).toContain('cpu-backend');
    expect(r.warnings.map((w) => w.code)).not.toContain('multiple-streams');
    for (const w of report.warnings) expect(w.message.length && w.advice.length).toBeTruthy();
  });

  it('records the device state: versions, CPU, and why GPU, NVML and Jetson readings are unknown here', () => {
    const d = report.device;
    expect(d.trtjs).toMatch(/^\d+\.\d+\.\d+/);
    expect(d.node).toBe(process.version);
    expect(d.os).toContain(process.arch);
    expect(d.onnxruntime).toMatch(/^\d+\.\d+\.\d+$/);
    expect(d.cpu.cores).toBeGreaterThan(0);
    expect(d.cpu.model.length).toBeGreaterThan(0);
    for (const k of ['gpu', 'tensorrt', 'nvml', 'jetson'] as const) {
      const v = d[k] as { unknown?: string };
      if (v && typeof v === 'object' && 'unknown' in v) expect(v.unknown!.length, k).toBeGreaterThan(5);
    }
    expect(d.jetson).toMatchObject({ unknown: expect.stringMatching(/not a Jetson/) });
  });

  it("prints trtexec's summary", () => {
    const text = formatBenchReport(report);
    for (const line of [
      /=== Performance summary ===/,
      /Throughput: [\d.]+ qps \([\d.]+ images\/s\)/,
      /Latency: min = [\d.]+ ms, max = .* percentile\(99%\) = [\d.]+ ms, CV = [\d.]+ %/,
      /H2D Latency: n\/a \(CPU execution/,
      /Compute Time \(CPU\): min/,
      /Total Host Walltime: [\d.]+ s/,
      /=== Device ===/,
      /Jetson: unknown: not a Jetson/,
      /These figures are for ONNX Runtime on the CPU/,
    ]) {
      expect(text).toMatch(line);
    }
  });

  it('cudaGraph on a CPU backend: nothing to capture, and the report says it ran without', async () => {
    const r = (await bench(model, { warmupMs: 10, durationMs: 100, iterations: 2, cudaGraph: true })).inference!;
    expect(r.mode.cudaGraph).toBe(false);
    expect(r.queries).toBeGreaterThanOrEqual(2);
  });

  it("several streams: one session each, queries overlap, and trtexec's warning to use throughput", async () => {
    const r = (await bench(model, { ...short, durationMs: 800, streams: 2, trace: true })).inference!;
    expect(r.mode.streams).toBe(2);
    const streams = new Set(r.trace!.map((q) => q.stream));
    expect(streams).toEqual(new Set([0, 1]));
    for (const s of [0, 1]) expect(r.trace!.filter((q) => q.stream === s).length).toBeGreaterThanOrEqual(5); // iterations per stream
    expect(r.warnings.map((w) => w.code)).toContain('multiple-streams');
    expect(OnnxRuntimeBackend.live).toBe(0); // both sessions released
  });

  it('a dynamic ONNX model runs the batch and image size asked for', async () => {
    const r = (await bench(fixture('models/yolov8n_int8_dynamic.onnx'), { ...short, durationMs: 300, iterations: 2, batch: 2, shapes: 'images:2x3x160x160' }))
      .inference!;
    expect(r.shapes).toEqual({ images: [2, 3, 160, 160] });
    expect(r.batch).toBe(2);
    expect(r.throughput.imagesPerSecond).toBeCloseTo(2 * r.throughput.qps, 9);
  });

  it('stops with ERR_ABORTED when its signal aborts', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(), 300);
    await expect(bench(model, { ...short, durationMs: 10_000, signal: c.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(OnnxRuntimeBackend.live).toBe(0);
  });
});

describe('bench, end-to-end, sweep and comparison modes', () => {
  it('end to end on real images: each stage timed, one frame at a time and with frames in flight', async () => {
    const r = await bench(model, { ...short, durationMs: 800, images: fixture('images'), inFlight: 2 });
    expect(r.kind).toBe('end-to-end');
    const e = r.endToEnd!;
    expect(e.images).toBe(2);
    expect(e.imgsz).toEqual({ height: 320, width: 320 });
    const s = e.sequential.stages;
    const stages = [s.decode, s.letterbox, s.infer, s.postprocess, s.scaleBoxes].map(ok);
    expect(stages.map((f) => f.label)).toEqual(['Decode image', 'Letterbox', 'Inference (CPU)', 'Decode + NMS', 'Scale boxes']);
    for (const f of stages) expect(f.count).toBe(e.sequential.frames);
    // A frame's total is the sum of its stages.
    expect(ok(s.total).mean).toBeCloseTo(
      stages.reduce((a, f) => a + f.mean, 0),
      6,
    );
    expect(ok(s.infer).median).toBeGreaterThan(ok(s.scaleBoxes).median);
    expect(e.sequential.frames).toBeGreaterThanOrEqual(5);
    expect(e.sequential.fps).toBeCloseTo((e.sequential.frames / e.sequential.walltimeMs) * 1000, 9);
    expect(e.sequential.detectionsPerFrame).toBeGreaterThan(2); // bus.jpg and zidane.jpg have people in them
    expect(e.inFlight.concurrency).toBe(2);
    expect(ok(e.inFlight.latency).count).toBe(e.inFlight.frames);
    expect(e.inFlight.fps).toBeGreaterThan(0);
    expect(formatBenchReport(r)).toMatch(/One frame at a time: [\d.]+ FPS[\s\S]*Decode \+ NMS: min[\s\S]*2 frames in flight: [\d.]+ FPS/);
  });

  it("end to end on a segment model: the task's head post-processes (masks included), not a detection decode", async () => {
    const seg = fixture('models/yolov8n-seg_int8_320.onnx');
    const bus = fixture('images/bus.jpg');
    const r = await bench(seg, { ...short, durationMs: 300, iterations: 2, images: bus, inFlight: 1 });
    const e = r.endToEnd!;
    expect(e.task).toBe('segment');
    const s = e.sequential.stages;
    expect(ok(s.postprocess).label).toBe('Decode + NMS + masks');
    expect(s.scaleBoxes).toMatchObject({ available: false, reason: expect.stringMatching(/segment head scales/) });
    // As many instances as Predictor finds, each with its mask.
    const predictor = await Predictor.create(seg);
    try {
      const p = await predictor.predict(bus);
      if (p.task !== 'segment') throw new Error(`expected segment, got ${p.task}`);
      expect(p.masks.data.length).toBe(p.boxes.count);
      expect(e.sequential.detectionsPerFrame).toBe(p.boxes.count);
    } finally {
      await predictor.dispose();
    }
    expect(ok(s.total).mean).toBeCloseTo(ok(s.decode).mean + ok(s.letterbox).mean + ok(s.infer).mean + ok(s.postprocess).mean, 6);
    expect(formatBenchReport(r)).toMatch(/End to end: segment model[\s\S]*Decode \+ NMS \+ masks: min/);
  });

  it('end to end on pose, obb and classify models: each through its own head, with its own pre-processing', async () => {
    const cases = [
      { task: 'pose', bytes: poseModel(64), label: 'Decode + NMS + keypoints', instances: 1 },
      { task: 'obb', bytes: obbModel(64), label: 'Decode + rotated NMS', instances: 2 },
      { task: 'classify', bytes: colourClassifier({ size: 32 }), label: 'Top-5', instances: 1 },
    ];
    for (const c of cases) {
      const r = await bench(c.bytes, { ...short, durationMs: 150, iterations: 2, images: fixture('images/bus.jpg'), inFlight: 1 });
      const e = r.endToEnd!;
      expect(e.task, c.task).toBe(c.task);
      expect(ok(e.sequential.stages.postprocess).label, c.task).toBe(c.label);
      expect(e.sequential.detectionsPerFrame, c.task).toBe(c.instances);
      expect(ok(e.sequential.stages.letterbox).label, c.task).toBe(c.task === 'classify' ? 'Resize + centre crop' : 'Letterbox');
    }
    expect(OnnxRuntimeBackend.live).toBe(0);
  });

  it('concurrency sweep: throughput and latency percentiles per level', async () => {
    const r = await bench(model, { ...short, durationMs: 400, iterations: 2, concurrency: [1, 2] });
    expect(r.kind).toBe('sweep');
    expect(r.sweep!.levels.map((l) => l.concurrency)).toEqual([1, 2]);
    for (const l of r.sweep!.levels) {
      expect(l.queries).toBeGreaterThanOrEqual(2 * l.concurrency);
      expect(l.latencyMs.p50).toBeLessThanOrEqual(l.latencyMs.p90);
      expect(l.latencyMs.p90).toBeLessThanOrEqual(l.latencyMs.p95);
      expect(l.latencyMs.p95).toBeLessThanOrEqual(l.latencyMs.p99);
      expect(l.imagesPerSecond).toBe(l.qps);
    }
    expect(OnnxRuntimeBackend.live).toBe(0);
  });

  it('comparison without TensorRT: ONNX Runtime measured with mAP, TensorRT listed unavailable with the reason; minMap fails the report', async () => {
    const r = await bench(model, {
      ...short,
      durationMs: 300,
      iterations: 2,
      compare: true,
      data: fixture('coco128/coco128.yaml'),
      root: fixture('coco128'),
      limit: 4,
      minMap: 0.99,
      images: fixture('images/bus.jpg'),
    });
    expect(r.kind).toBe('compare');
    const [ort, fp32, fp16] = r.comparison!.rows;
    expect(ort).toMatchObject({ configuration: 'ONNX Runtime CPU', format: 'onnx', status: 'ok' });
    expect(ort.sizeMB).toBeCloseTo(readFileSync(model).length / 1e6, 9);
    expect(typeof ort.map5095).toBe('number');
    expect(ort.map5095 as number).toBeGreaterThan(0.05);
    expect(ort.inferenceMsPerImage).toBeGreaterThan(0);
    expect(typeof ort.endToEndMsPerImage).toBe('number');
    expect(ort.fps).toBeCloseTo(ort.inference!.throughput.imagesPerSecond, 9);
    for (const row of [fp32, fp16]) {
      expect(row.status).toBe('unavailable');
      expect(row.reason).toMatch(/TensorRT is unavailable: /);
    }
    expect(r.comparison).toMatchObject({ task: 'detect', metric: 'mAP50-95(B)' });
    expect(ort.accuracy).toBe(ort.map5095);
    expect(r.passed).toBe(false);
    expect(r.errors).toEqual([]);
    expect(r.failures[0]).toMatch(/ONNX Runtime CPU: mAP50-95\(B\) 0\.\d+ is below the minimum 0\.99/);
    expect(formatBenchReport(r)).toMatch(/mAP50-95\(B\)[\s\S]*TensorRT FP16\s+unavailable[\s\S]*FAILED/);
  });

  it("comparison of a segment model: the accuracy column is mask mAP50-95, Ultralytics' benchmark figure for the task", async () => {
    const { data, root } = coco128Seg();
    const r = await bench(fixture('models/yolov8n-seg_int8_320.onnx'), {
      ...short,
      durationMs: 200,
      iterations: 2,
      compare: true,
      data,
      root,
      limit: 8,
      minMap: 0.01,
    });
    expect(r.comparison).toMatchObject({ task: 'segment', metric: 'mAP50-95(M)' });
    const [ort] = r.comparison!.rows;
    expect(ort.status).toBe('ok');
    const [boxMap, maskMap] = [ort.map5095 as number, ort.accuracy as number];
    expect(boxMap).toBeGreaterThan(0.05);
    expect(maskMap).toBeGreaterThan(0.05);
    // Masks are scored by mask IoU, boxes by box IoU: the two columns differ.
    expect(maskMap).not.toBe(boxMap);
    expect(r.passed).toBe(true);
    expect(formatBenchReport(r)).toMatch(/mAP50-95\(M\)/);
  });

  it('comparison where a configuration fails to run: the report fails with the reason under errors (exit 1), not a silent row', async () => {
    const m = onnx.ModelProto.decode(readFileSync(model));
    m.graph!.node![0].opType = 'NoSuchOperator';
    const broken = join(tmp, 'broken-op.onnx');
    writeFileSync(broken, onnx.ModelProto.encode(m).finish());
    const r = await bench(broken, { ...short, durationMs: 200, iterations: 2, compare: true });
    const [ort] = r.comparison!.rows;
    expect(ort.status).toBe('failed');
    expect(ort.reason).toMatch(/NoSuchOperator/);
    expect(r.errors).toEqual([`ONNX Runtime CPU: ${ort.reason}`]);
    expect(r.passed).toBe(false);
    expect(formatBenchReport(r)).toMatch(/NOT MEASURED:\n\* ONNX Runtime CPU: /);
    const cli = runCli(['bench', broken, '--compare', '--duration', '0.2', '--iterations', '2', '--warmup', '50']);
    expect(cli.status, cli.stderr).toBe(1);
    expect(cli.stdout).toMatch(/NOT MEASURED/);
    expect(OnnxRuntimeBackend.live).toBe(0);
  });
});

describe('bench refuses bad input before anything runs', () => {
  const bad = async (p: Promise<unknown>, code: string, message: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(TrtjsError);
    expect(err.code, err.message).toBe(code);
    expect(err.message).toMatch(message);
  };

  it('each case with its code, no session left open', async () => {
    const engineless = join(tmp, 'garbage.bin');
    writeFileSync(engineless, new Uint8Array(64).fill(7));
    const emptyDir = join(tmp, 'no-images');
    mkdirSync(emptyDir, { recursive: true });
    writeFileSync(join(emptyDir, 'notes.txt'), 'nothing to see');
    let progressed = false;
    const onProgress = () => (progressed = true);
    await bad(bench(join(tmp, 'missing.onnx'), { onProgress }), 'ERR_BAD_INPUT', /cannot read .*missing\.onnx/);
    await bad(bench(tmp, { onProgress }), 'ERR_BAD_INPUT', /cannot read/); // a folder is not a model
    await bad(bench(engineless, { onProgress }), 'ERR_BAD_MODEL', /garbage\.bin/);
    await bad(bench(model, { durationMs: 0 }), 'ERR_BAD_INPUT', /options\.durationMs must be a finite number > 0, received 0/);
    await bad(bench(model, { durationMs: -3 }), 'ERR_BAD_INPUT', /durationMs must be a finite number > 0, received -3/);
    await bad(bench(model, { iterations: 0 }), 'ERR_BAD_INPUT', /iterations must be an integer in \[1|iterations must be an integer >= 1, received 0/);
    await bad(bench(model, { iterations: -1 }), 'ERR_BAD_INPUT', /iterations/);
    await bad(bench(model, { streams: 0 }), 'ERR_BAD_INPUT', /streams must be an integer in \[1, 64\], received 0/);
    await bad(
      bench(model, { shapes: 'images:1x3x640x640', onProgress }),
      'ERR_SHAPE',
      /input 'images' dimension 2 is fixed at 320 in the model, received 1x3x640x640/,
    );
    await bad(bench(model, { shapes: 'input:1x3x320x320' }), 'ERR_SHAPE', /the model has no input 'input'/);
    await bad(bench(model, { batch: 4 }), 'ERR_SHAPE', /batch 4: input 'images' has a fixed batch of 1/);
    await bad(bench(model, { images: emptyDir }), 'ERR_BAD_INPUT', /no images \(\.jpg.*\) in .*no-images/);
    await bad(bench(model, { images: join(tmp, 'nope') }), 'ERR_BAD_INPUT', /images: cannot read .*nope: ENOENT/);
    await bad(bench(model, { backend: 'tensorrt' }), 'ERR_BAD_INPUT', /is an ONNX model: build an engine for TensorRT first/);
    await bad(bench(model, { compare: true, concurrency: [1] }), 'ERR_BAD_INPUT', /separate modes/);
    await bad(bench(model, { minMap: 0.3 }), 'ERR_BAD_INPUT', /minMap applies to comparison mode/);
    await bad(bench(model, { compare: true, minMap: 0.3 }), 'ERR_BAD_INPUT', /minMap needs a dataset/);
    await bad(bench(model, { bogus: 1 } as never), 'ERR_BAD_INPUT', /has no option 'bogus'/);
    await bad(bench(model, { cudaGraph: 'yes' } as never), 'ERR_BAD_INPUT', /options\.cudaGraph must be true or false, received "yes"/);
    // An engine: TensorRT is missing here, and compare needs the ONNX model.
    const engine = writeEngineFile(new TextEncoder().encode('ftrt-fake\n'), { names: { 0: 'a' } });
    await bad(bench(engine), 'ERR_TRT_UNAVAILABLE', /TensorRT engine and TensorRT is unavailable/);
    await bad(bench(engine, { compare: true }), 'ERR_BAD_INPUT', /compare starts from an ONNX model/);
    expect(progressed).toBe(false);
    expect(OnnxRuntimeBackend.live).toBe(0);
  });

  it('compare with neither TensorRT nor ONNX Runtime: nothing to run, said before anything runs', async () => {
    const caps = await capabilities();
    const without = {
      ...caps,
      tensorrt: { ...caps.tensorrt, available: false, reason: 'libnvinfer.so.10 not found' },
      onnxruntime: { available: false, reason: 'onnxruntime-node is not installed' },
    };
    await bad(
      runComparison(model, resolveOptions({ compare: true }), without, undefined),
      'ERR_TRT_UNAVAILABLE',
      /compare has nothing to run here: TensorRT is unavailable \(libnvinfer\.so\.10 not found\) and so is ONNX Runtime \(onnxruntime-node is not installed\)/,
    );
  });
});

describe('trtjs bench', () => {
  it('prints the summary, writes labelled JSON, exits 0; no progress bar when piped', () => {
    const json = join(tmp, 'report.json');
    const r = runCli(['bench', model, '--duration', '0.5', '--iterations', '3', '--json', json]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/=== Performance summary ===\nThroughput: [\d.]+ qps/);
    expect(r.stderr).not.toMatch(/█|░|\[=+/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.inference.compute).toMatchObject({ available: true, label: 'Compute Time (CPU)', unit: 'ms', timedBy: 'host-clock' });
    expect(report.inference.throughput.definition).toMatch(/wall time/);
    expect(report.inference.mode.durationMs).toBe(500);
  });

  it('bad flags fail with the flag named and exit 1; --min-map below exits 2', () => {
    for (const [args, message] of [
      [['--duration', '0'], /--duration must be a number > 0 \(seconds\), received "0" \[ERR_BAD_INPUT\]/],
      [['--iterations', '-2'], /--iterations must be a positive integer, received "-2"/],
      [['--streams', '0'], /--streams must be a positive integer, received "0"/],
      [['--concurrency', '1,x'], /--concurrency must be comma-separated positive integers/],
    ] as const) {
      const r = runCli(['bench', model, ...args]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    const r = runCli([
      'bench',
      model,
      '--compare',
      '--data',
      fixture('coco128/coco128.yaml'),
      '--root',
      fixture('coco128'),
      '--limit',
      '2',
      '--min-map',
      '0.99',
      '--duration',
      '0.3',
      '--iterations',
      '2',
      '--json',
      '-',
    ]);
    expect(r.status, r.stderr).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.passed).toBe(false);
    expect(report.comparison.rows[1]).toMatchObject({ configuration: 'TensorRT FP32', status: 'unavailable' });
  });
});
