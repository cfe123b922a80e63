/** The terminal report: trtexec's performance summary layout, then the device state and the warnings. */
import { isKnown } from './device/sampled.js';
import type { BenchReport, DeviceState, Figure, InferenceReport, Reading, SampledRange } from './types.js';

const ms = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toFixed(4));
// Reasons can run to several lines (the TensorRT loader lists every path it tried): the JSON report has them whole.
const unk = (r: { unknown: string }) => `unknown: ${r.unknown.split('\n')[0].replace(/\s*Tried:$/, '')}`;

/** `min = … ms, max = …, mean, median, percentile(90%) …, CV` as trtexec prints a figure. */
export function formatFigure(f: Figure): string {
  if (!f.available) return `${f.label}: n/a (${f.reason})`;
  return `${f.label}: min = ${ms(f.min)} ms, max = ${ms(f.max)} ms, mean = ${ms(f.mean)} ms, median = ${ms(f.median)} ms, percentile(90%) = ${ms(f.p90)} ms, percentile(95%) = ${ms(f.p95)} ms, percentile(99%) = ${ms(f.p99)} ms, CV = ${f.cvPercent.toFixed(2)} %`;
}

const range = (r: Reading<SampledRange>, digits = 0) =>
  isKnown(r)
    ? r.min === r.max
      ? `${r.min.toFixed(digits)} ${r.unit}`
      : `${r.min.toFixed(digits)}-${r.max.toFixed(digits)} ${r.unit} (mean ${r.mean.toFixed(digits)})`
    : unk(r);
const value = <T>(r: Reading<T>, show: (v: T) => string = String) => (isKnown(r) ? show(r) : unk(r));

export function formatDevice(d: DeviceState): string[] {
  const lines = [
    '=== Device ===',
    `trtjs ${d.trtjs}, Node ${d.node}, ${d.os}`,
    `CPU: ${d.cpu.model} (${d.cpu.cores} logical cores)`,
    `GPU: ${value(d.gpu, (g) => `${g.name}, compute capability ${g.computeCapability}${g.integrated ? ' (integrated)' : ''}, ${g.memoryGB.toFixed(1)} GB, driver CUDA ${g.driverCuda}, runtime CUDA ${g.runtimeCuda}`)}`,
    `TensorRT: ${value(d.tensorrt)}`,
    `ONNX Runtime: ${value(d.onnxruntime)}`,
  ];
  if (isKnown(d.nvml)) {
    const n = d.nvml;
    lines.push(
      `NVML (${n.name}, driver ${n.driverVersion}, sampled every ${n.sampleIntervalMs} ms): SM clock ${range(n.smClockMHz)} of max ${value(n.maxSmClockMHz)} MHz, memory clock ${range(n.memoryClockMHz)}, ` +
        `temperature ${range(n.temperatureC)}, power ${range(n.powerW, 1)} of limit ${value(n.powerLimitW, (w) => `${w.toFixed(0)} W`)}, utilisation ${range(n.gpuUtilizationPercent)}, ` +
        `clock event reasons: ${value(n.clockEventReasons, (r) => (r.length ? r.join(', ') : 'none'))}`,
    );
  } else lines.push(`NVML: ${unk(d.nvml)}`);
  if (isKnown(d.jetson)) {
    const j = d.jetson;
    lines.push(`Jetson: ${value(j.model)}, L4T ${value(j.l4t)}, power mode ${value(j.powerMode)} (sampled every ${j.sampleIntervalMs} ms)`);
    lines.push(
      `  GPU: ${value(j.gpu, (g) => `${g.devfreq}: clock ${range(g.curFreqMHz)} of max ${value(g.maxFreqMHz, (m) => `${m.toFixed(0)} MHz`)}, governor ${value(g.governor)}, load ${range(g.loadPercent)}`)}`,
    );
    if (j.thermal.length)
      lines.push(`  temperatures: ${j.thermal.map((z) => `${z.type} ${isKnown(z.celsius) ? range(z.celsius, 1) : z.celsius.unknown}`).join('; ')}`);
    for (const r of j.rails) lines.push(`  rail ${r.label}: ${range(r.powerW, 2)} (${range(r.voltageV, 2)}, ${range(r.currentA, 3)})`);
  } else lines.push(`Jetson: ${unk(d.jetson)}`);
  return lines;
}

export function formatInference(r: InferenceReport): string[] {
  const m = r.mode;
  const shapes = Object.entries(r.shapes)
    .map(([n, d]) => `${n}:${d.join('x')}`)
    .join(' ');
  const compute = r.compute;
  return [
    `=== Inference: ${r.backend.description} (${r.backend.device}) ===`,
    `Shapes ${shapes}, batch ${r.batch}, precision ${r.backend.precision}`,
    `Mode: warm-up ${m.warmupMs} ms, duration ${m.durationMs / 1000} s, iterations ${m.iterations}, streams ${m.streams}, transfers ${m.transfers}, wait ${m.wait}, CUDA graphs ${m.cudaGraph ? 'on' : 'off'}, random inputs`,
    `Warmup completed ${r.warmup.queries} queries over ${m.warmupMs} ms`,
    `Timing trace has ${r.queries} queries over ${(r.walltimeMs / 1000).toFixed(3)} s`,
    '',
    '=== Performance summary ===',
    `Throughput: ${r.throughput.qps.toFixed(3)} qps (${r.throughput.imagesPerSecond.toFixed(3)} images/s)`,
    formatFigure(r.latency),
    formatFigure(r.enqueue),
    formatFigure(r.h2d),
    formatFigure(compute),
    formatFigure(r.d2h),
    formatFigure(r.request),
    `Total Host Walltime: ${(r.walltimeMs / 1000).toFixed(3)} s`,
    `Total ${compute.available ? compute.label : 'Compute Time'}: ${(r.totalComputeMs / 1000).toFixed(3)} s`,
  ];
}

/** The whole report as text. */
export function formatReport(r: BenchReport): string {
  const lines: string[] = [`trtjs bench ${r.model} (${r.kind}, started ${r.startedAt})`, ''];
  if (r.inference) lines.push(...formatInference(r.inference));
  if (r.endToEnd) {
    const e = r.endToEnd;
    lines.push(
      `=== End to end: ${e.task} model, ${e.backend.description} (${e.backend.device}), ${e.images} image(s), input ${e.imgsz.height}x${e.imgsz.width} ===`,
      `One frame at a time: ${e.sequential.fps.toFixed(2)} FPS (${e.sequential.frames} frames over ${(e.sequential.walltimeMs / 1000).toFixed(3)} s${e.task === 'classify' ? '' : `, ${e.sequential.detectionsPerFrame.toFixed(1)} ${e.task === 'detect' ? 'detections' : 'instances'} per frame`})`,
      ...Object.values(e.sequential.stages).map((f) => `  ${formatFigure(f)}`),
      e.inFlight.frames
        ? `${e.inFlight.concurrency} frames in flight: ${e.inFlight.fps.toFixed(2)} FPS (${e.inFlight.frames} frames over ${(e.inFlight.walltimeMs / 1000).toFixed(3)} s)`
        : 'Frames in flight: not measured',
      `  ${formatFigure(e.inFlight.latency)}`,
    );
  }
  if (r.sweep) {
    const s = r.sweep;
    lines.push(
      `=== Concurrency sweep: ${s.backend.description} (${s.backend.device}), shapes ${Object.entries(s.shapes)
        .map(([n, d]) => `${n}:${d.join('x')}`)
        .join(' ')} ===`,
    );
    lines.push(
      `${'concurrency'.padStart(11)}${'qps'.padStart(11)}${'images/s'.padStart(11)}${'p50 ms'.padStart(10)}${'p90 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'compute ms'.padStart(12)}`,
    );
    for (const l of s.levels) {
      lines.push(
        `${String(l.concurrency).padStart(11)}${l.qps.toFixed(2).padStart(11)}${l.imagesPerSecond.toFixed(2).padStart(11)}${ms(l.latencyMs.p50).padStart(10)}${ms(l.latencyMs.p90).padStart(10)}${ms(l.latencyMs.p95).padStart(10)}${ms(l.latencyMs.p99).padStart(10)}${ms(l.computeMedianMs).padStart(12)}`,
      );
    }
  }
  if (r.comparison) {
    lines.push('=== Comparison ===');
    lines.push(
      `${'configuration'.padEnd(18)}${'status'.padEnd(13)}${'size MB'.padStart(9)}${r.comparison.metric.padStart(15)}${'infer ms/im'.padStart(13)}${'e2e ms/im'.padStart(11)}${'FPS'.padStart(9)}`,
    );
    for (const row of r.comparison.rows) {
      const num = (x: Reading<number> | undefined, d: number) => (x === undefined ? '-' : typeof x === 'number' ? x.toFixed(d) : '-');
      lines.push(
        `${row.configuration.padEnd(18)}${row.status.padEnd(13)}${num(row.sizeMB, 1).padStart(9)}${num(row.accuracy, 4).padStart(15)}${num(row.inferenceMsPerImage, 2).padStart(13)}${num(row.endToEndMsPerImage, 2).padStart(11)}${num(row.fps, 1).padStart(9)}`,
      );
    }
    for (const row of r.comparison.rows) {
      if (row.reason) lines.push(`  ${row.configuration}: ${row.reason}`);
      for (const [k, v] of [
        [r.comparison.metric, row.accuracy],
        ['end-to-end', row.endToEndMsPerImage],
      ] as const)
        if (v !== undefined && !isKnown(v) && row.status === 'ok') lines.push(`  ${row.configuration} ${k}: ${unk(v)}`);
    }
  }
  lines.push('', ...formatDevice(r.device));
  if (r.warnings.length) {
    lines.push('', 'Warnings:');
    for (const w of r.warnings) lines.push(`* ${w.message}`, `  ${w.advice}`);
  }
  if (r.errors.length) {
    lines.push('', 'NOT MEASURED:');
    for (const e of r.errors) lines.push(`* ${e}`);
  }
  if (r.failures.length) {
    lines.push('', 'FAILED:');
    for (const f of r.failures) lines.push(`* ${f}`);
  }
  return `${lines.join('\n')}\n`;
}
