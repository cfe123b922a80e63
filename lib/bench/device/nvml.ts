/**
 * NVML's view of a discrete GPU (libnvidia-ml.so.1, opened by the addon at run time), sampled during a run:
 * clocks against their maximum, temperature, power against its limit, utilisation, P-state, and the reasons NVML
 * gives for clocks being held down.
 */
import type { Capabilities } from '../../capabilities.js';
import { settleNative } from '../../errors.js';
import { tryLoadAddon, type NativeNvmlReading, type NativeNvmlSample } from '../../native/binding.js';
import type { NvmlState, Reading, Unknown } from '../types.js';
import { Sampled } from './sampled.js';

/** NVML's clocks event (throttle) reason bits, by name. */
export const CLOCK_EVENT_REASONS: Array<[number, string]> = [
  [0x1, 'gpu-idle'],
  [0x2, 'applications-clocks-setting'],
  [0x4, 'sw-power-cap'],
  [0x8, 'hw-slowdown'],
  [0x10, 'sync-boost'],
  [0x20, 'sw-thermal-slowdown'],
  [0x40, 'hw-thermal-slowdown'],
  [0x80, 'hw-power-brake-slowdown'],
  [0x100, 'display-clock-setting'],
];

/** Names of the reason bits set in `bits`; bits NVML may add later are named by value. */
export function decodeClockEventReasons(bits: number): string[] {
  let rest = BigInt(bits);
  const names: string[] = [];
  for (const [bit, name] of CLOCK_EVENT_REASONS) {
    if (rest & BigInt(bit)) {
      names.push(name);
      rest &= ~BigInt(bit);
    }
  }
  if (rest) names.push(`other (0x${rest.toString(16)})`);
  return names;
}

type Ranged = 'smClockMHz' | 'memoryClockMHz' | 'temperatureC' | 'powerW' | 'gpuUtilizationPercent' | 'performanceState';
const RANGED: Array<[Ranged, string]> = [
  ['smClockMHz', 'MHz'],
  ['memoryClockMHz', 'MHz'],
  ['temperatureC', '°C'],
  ['powerW', 'W'],
  ['gpuUtilizationPercent', '%'],
  ['performanceState', 'P'],
];

const value = (r: NativeNvmlReading): Reading<number> => (r.error !== undefined ? { unknown: r.error } : r.value!);

/** Samples one device through NVML. */
export class NvmlReader {
  #first: NativeNvmlSample;
  #ranges = new Map<Ranged, Sampled>(RANGED.map(([k, unit]) => [k, new Sampled(unit)]));
  #reasons = new Set<string>();
  #reasonsError = '';

  private constructor(
    first: NativeNvmlSample,
    private readonly read: () => Promise<NativeNvmlSample>,
  ) {
    this.#first = first;
    this.#add(first);
  }

  /** Opens NVML for CUDA device `device`; an Unknown saying why when it cannot be read. */
  static async open(caps: Capabilities, device: number): Promise<NvmlReader | Unknown> {
    const nvmlRead = tryLoadAddon().addon?.nvmlRead;
    if (!nvmlRead) {
      return { unknown: caps.addon.loaded ? 'this trtjs binary was built without the CUDA layer, which reads NVML' : 'the native addon is not loaded' };
    }
    const d = caps.cuda.devices[device];
    if (d?.integrated) return { unknown: `${d.name} is an integrated GPU: NVML does not report it (see the Jetson readings)` };
    const read = () => settleNative(() => nvmlRead(d?.pciBusId ?? '', device));
    const first = await read();
    if (first.error) return { unknown: first.error };
    return new NvmlReader(first, read);
  }

  #add(s: NativeNvmlSample): void {
    for (const [key] of RANGED) {
      const r = s[key];
      if (r.error !== undefined) this.#ranges.get(key)!.fail(r.error);
      else this.#ranges.get(key)!.add(r.value!);
    }
    if (s.clockEventReasons.error !== undefined) this.#reasonsError = s.clockEventReasons.error;
    else for (const n of decodeClockEventReasons(s.clockEventReasons.value!)) this.#reasons.add(n);
  }

  async sample(): Promise<void> {
    const s = await this.read();
    if (!s.error) this.#add(s);
  }

  state(sampleIntervalMs: number): NvmlState {
    const f = this.#first;
    const ranged = Object.fromEntries(RANGED.map(([k]) => [k, this.#ranges.get(k)!.reading()])) as Pick<NvmlState, Ranged>;
    return {
      library: f.library,
      driverVersion: f.driverVersion,
      name: f.name,
      sampleIntervalMs,
      ...ranged,
      maxSmClockMHz: value(f.maxSmClockMHz),
      maxMemoryClockMHz: value(f.maxMemoryClockMHz),
      powerLimitW: value(f.powerLimitW),
      clockEventReasons: this.#reasons.size || !this.#reasonsError ? [...this.#reasons] : { unknown: this.#reasonsError },
    };
  }
}
