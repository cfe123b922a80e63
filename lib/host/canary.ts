import type { CanaryOptions } from './options.js';
import type { Served } from './served.js';

export interface CanaryResult {
  promoted: boolean;
  reason: string;
  candidate: { requests: number; errors: number; medianMs: number };
  current: { requests: number; medianMs: number };
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);

/**
 * A candidate serving a share of traffic next to the current model, until it has served `minRequests`: then its
 * error rate and its median latency against the current model's decide.
 */
export class Canary {
  readonly served: Served;
  readonly options: Required<CanaryOptions>;
  readonly settle: { resolve(r: CanaryResult): void; reject(err: unknown): void };
  #counter = 0;
  requests = 0;
  errors = 0;
  readonly #latencies: number[] = [];
  readonly #baseline: number[] = [];

  constructor(served: Served, options: Required<CanaryOptions>, settle: Canary['settle']) {
    this.served = served;
    this.options = options;
    this.settle = settle;
  }

  /** Whether this request goes to the candidate (every 1/fraction-th request). */
  takes(): boolean {
    if (++this.#counter * this.options.fraction < 1) return false;
    this.#counter = 0;
    return true;
  }

  candidateServed(ms: number | undefined): void {
    this.requests++;
    if (ms === undefined) this.errors++;
    else this.#latencies.push(ms);
  }

  currentServed(ms: number): void {
    this.#baseline.push(ms);
  }

  /** The verdict once enough candidate requests were served, else undefined. */
  verdict(): CanaryResult | undefined {
    if (this.requests < this.options.minRequests) return undefined;
    const o = this.options;
    const errorRate = this.errors / this.requests;
    const ratio = median(this.#baseline) > 0 ? median(this.#latencies) / median(this.#baseline) : 1;
    const promoted = errorRate <= o.maxErrorRate && ratio <= o.maxLatencyRatio;
    const reason = promoted
      ? `error rate ${errorRate.toFixed(3)}, latency ratio ${ratio.toFixed(2)}`
      : errorRate > o.maxErrorRate
        ? `error rate ${errorRate.toFixed(3)} > ${o.maxErrorRate}`
        : `latency ratio ${ratio.toFixed(2)} > ${o.maxLatencyRatio}`;
    return {
      promoted,
      reason,
      candidate: { requests: this.requests, errors: this.errors, medianMs: median(this.#latencies) },
      current: { requests: this.#baseline.length, medianMs: median(this.#baseline) },
    };
  }
}
