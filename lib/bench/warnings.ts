/**
 * trtexec's warnings about what its figures mean (samples/common/sampleReporting.cpp, printEpilog), with the same
 * thresholds, plus trtjs's own about the device state (clocks below maximum, clocks held down).
 */
import type { BenchWarning, Figure, InferenceMode, JetsonState, NvmlState, Reading, TimingFigure } from './types.js';

/** Throughput is enqueue-bound when the median enqueue time exceeds this share of the median compute time. */
export const ENQUEUE_BOUND_RATIO = 0.8;
/** GPU compute time is unstable above this coefficient of variation, percent. */
export const UNSTABLE_CV_PERCENT = 2.5;

const ok = (f: Figure): f is TimingFigure => f.available;

/** The warnings trtexec prints after its performance summary, for these figures. */
export function figureWarnings(
  f: { enqueue: Figure; h2d: Figure; compute: Figure; d2h: Figure },
  mode: Pick<InferenceMode, 'streams'>,
  device: 'GPU' | 'CPU',
  kind: string,
): BenchWarning[] {
  const out: BenchWarning[] = [];
  const compute = f.compute;
  if (!ok(compute)) return out;
  const what = device === 'GPU' ? 'GPU Compute' : 'compute';
  if (ok(f.enqueue) && f.enqueue.median > ENQUEUE_BOUND_RATIO * compute.median) {
    out.push({
      code: 'enqueue-bound',
      message: `Throughput may be bound by Enqueue Time (median ${f.enqueue.median.toFixed(3)} ms) rather than ${what} (median ${compute.median.toFixed(3)} ms), and the ${device} may be under-utilized.`,
      advice:
        device === 'GPU' ? 'CUDA graphs (--cuda-graph) or more streams (--streams) may increase the throughput.' : 'Run more queries at once (--streams).',
    });
  }
  if (ok(f.h2d) && f.h2d.median >= compute.median) {
    out.push({
      code: 'h2d-bound',
      message: `Throughput may be bound by host-to-device transfers for the inputs (median ${f.h2d.median.toFixed(3)} ms) rather than GPU Compute, and the GPU may be under-utilized.`,
      advice: 'Add --no-data-transfers to measure without them.',
    });
  }
  if (ok(f.d2h) && f.d2h.median >= compute.median) {
    out.push({
      code: 'd2h-bound',
      message: `Throughput may be bound by device-to-host transfers for the outputs (median ${f.d2h.median.toFixed(3)} ms) rather than GPU Compute, and the GPU may be under-utilized.`,
      advice: 'Add --no-data-transfers to measure without them.',
    });
  }
  if (compute.cvPercent > UNSTABLE_CV_PERCENT) {
    out.push({
      code: 'unstable',
      message: `${device === 'GPU' ? 'GPU compute' : 'Compute'} time is unstable, with a coefficient of variation of ${compute.cvPercent.toFixed(2)} %.`,
      advice:
        device === 'GPU'
          ? 'Locking the GPU clock frequency (Jetson: sudo jetson_clocks; discrete: nvidia-smi --lock-gpu-clocks) or adding --spin-wait may improve the stability.'
          : 'Close other work on this machine, or pin ONNX Runtime to fewer threads.',
    });
  }
  if (mode.streams > 1) {
    out.push({
      code: 'multiple-streams',
      message: `${mode.streams} streams are used: queries run in parallel, so per-query latencies overlap and are not what one query alone would take.`,
      advice: 'Use Throughput as the performance figure instead.',
    });
  }
  if (kind === 'onnxruntime') {
    out.push({
      code: 'cpu-backend',
      message: 'These figures are for ONNX Runtime on the CPU, not the GPU.',
      advice: 'Build an engine (trtjs build model.onnx -o model.engine --fp16) and bench it to measure TensorRT.',
    });
  }
  return out;
}

const known = <T>(r: Reading<T>): r is T => !(typeof r === 'object' && r !== null && 'unknown' in r);

/** Warnings about the device state during the run: a Jetson GPU below its maximum clock, NVML clock event reasons. */
export function deviceWarnings(jetson: Reading<JetsonState>, nvml: Reading<NvmlState>): BenchWarning[] {
  const out: BenchWarning[] = [];
  if (known(jetson) && known(jetson.gpu)) {
    const { curFreqMHz, maxFreqMHz } = jetson.gpu;
    if (known(curFreqMHz) && known(maxFreqMHz) && curFreqMHz.min < maxFreqMHz) {
      out.push({
        code: 'gpu-clock-below-max',
        message: `The GPU ran at ${curFreqMHz.min.toFixed(0)}-${curFreqMHz.max.toFixed(0)} MHz, below its maximum of ${maxFreqMHz.toFixed(0)} MHz, during the run (power mode: ${known(jetson.powerMode) ? jetson.powerMode : 'unknown'}).`,
        advice: 'Run `sudo jetson_clocks` (and `sudo nvpmodel -m 0` for the maximum power mode) before benchmarking, as published figures are measured.',
      });
    }
  }
  if (known(nvml) && known(nvml.clockEventReasons)) {
    const held = nvml.clockEventReasons.filter((r) => r !== 'gpu-idle' && r !== 'applications-clocks-setting');
    if (held.length) {
      out.push({
        code: 'clocks-held-down',
        message: `NVML reported the GPU clocks held down during the run: ${held.join(', ')}.`,
        advice: 'Check cooling and power limits (nvidia-smi -q -d PERFORMANCE); figures taken while throttled are lower than the GPU can give.',
      });
    }
  }
  return out;
}
