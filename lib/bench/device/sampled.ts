import type { Reading, SampledRange } from '../types.js';

/** Accumulates samples of one quantity; remembers why the last failed read failed. */
export class Sampled {
  #n = 0;
  #min = Infinity;
  #max = -Infinity;
  #sum = 0;
  #why = 'not sampled';

  constructor(readonly unit: string) {}

  add(value: number): void {
    this.#n++;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
    this.#sum += value;
  }

  fail(reason: string): void {
    this.#why = reason;
  }

  get count(): number {
    return this.#n;
  }

  /** The range over the samples, or why there is none. */
  reading(): Reading<SampledRange> {
    if (!this.#n) return { unknown: this.#why };
    return { unit: this.unit, samples: this.#n, min: this.#min, mean: this.#sum / this.#n, max: this.#max };
  }
}

export const isKnown = <T>(r: Reading<T>): r is T => !(typeof r === 'object' && r !== null && 'unknown' in (r as object));
