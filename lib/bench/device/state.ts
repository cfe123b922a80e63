/**
 * The device state recorded with every report: versions, CPU, GPU (capabilities()), and NVML and Jetson readings
 * sampled while the benchmark runs.
 */
import { cpus, arch, platform, release } from 'node:os';

import type { Capabilities } from '../../capabilities.js';
import type { DeviceState, Unknown } from '../types.js';
import { JetsonReader } from './jetson.js';
import { NvmlReader } from './nvml.js';

export interface SamplerOptions {
  /** Root under which Jetson sysfs paths are read. Default '/'. */
  sysfsRoot?: string;
  /** CUDA device. Default 0. */
  device?: number;
  /** Milliseconds between samples. Default 500. */
  intervalMs?: number;
}

/** Samples NVML and Jetson state from `start()` to `stop()`: once at each end and every interval between. */
export class DeviceSampler {
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly caps: Capabilities,
    private readonly device: number,
    private readonly intervalMs: number,
    private readonly nvml: NvmlReader | Unknown,
    private readonly jetson: JetsonReader | Unknown,
  ) {}

  static async open(caps: Capabilities, options: SamplerOptions = {}): Promise<DeviceSampler> {
    const device = options.device ?? 0;
    const [nvml, jetson] = await Promise.all([NvmlReader.open(caps, device), JetsonReader.open(options.sysfsRoot ?? '/')]);
    return new DeviceSampler(caps, device, options.intervalMs ?? 500, nvml, jetson);
  }

  #sample(): void {
    // One sample at a time: a slow read delays the next instead of piling up.
    this.#chain = this.#chain.then(async () => {
      await Promise.all([
        this.nvml instanceof NvmlReader ? this.nvml.sample().catch(() => undefined) : undefined,
        this.jetson instanceof JetsonReader ? this.jetson.sample() : undefined,
      ]);
    });
  }

  start(): void {
    if (this.#timer) return;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#sample();
    }
    await this.#chain;
  }

  /** Everything read so far. */
  state(): DeviceState {
    const c = this.caps;
    const d = c.cuda.devices[this.device];
    const cpu = cpus();
    return {
      trtjs: c.version,
      node: process.version,
      os: `${platform()} ${release()} ${arch()}`,
      tensorrt: c.tensorrt.available && c.tensorrt.version ? c.tensorrt.version : { unknown: c.tensorrt.reason ?? 'TensorRT is unavailable' },
      onnxruntime:
        c.onnxruntime.available && c.onnxruntime.version ? c.onnxruntime.version : { unknown: c.onnxruntime.reason ?? 'ONNX Runtime is unavailable' },
      cpu: { model: cpu[0]?.model?.trim() || 'unknown', cores: cpu.length },
      gpu: d
        ? {
            name: d.name,
            computeCapability: d.computeCapability,
            integrated: d.integrated,
            memoryGB: d.totalMemory / 1e9,
            driverCuda: c.cuda.driverVersion ?? 'unknown (cudaDriverGetVersion gave no version)',
            runtimeCuda: c.cuda.runtimeVersion ?? 'unknown (the addon reports no CUDA runtime version)',
            pciBusId: d.pciBusId,
          }
        : { unknown: c.cuda.available ? `no CUDA device ${this.device}` : (c.cuda.reason ?? 'no CUDA device') },
      nvml: this.nvml instanceof NvmlReader ? this.nvml.state(this.intervalMs) : this.nvml,
      jetson: this.jetson instanceof JetsonReader ? this.jetson.state(this.intervalMs) : this.jetson,
    };
  }
}
