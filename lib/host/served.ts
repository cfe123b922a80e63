import type { Predictor } from '../predictor/predictor.js';
import type { ModelVersion } from './events.js';
import type { SwapRecord } from './swap-record.js';

/** Thrown into the requests a retired model was still running at its drain timeout: the host serves them again. */
export class Evicted extends Error {}

/**
 * A model the host has loaded: its Predictor, the requests it is running, and how it leaves service. A retired model
 * finishes what it runs; at the drain timeout those requests are evicted (answered elsewhere) and it is released.
 */
export class Served implements ModelVersion {
  readonly version: number;
  readonly source: string;
  readonly sha256: string;
  readonly loadedAt = new Date();
  readonly predictor: Predictor;
  get warnings(): readonly string[] {
    return this.predictor.warnings;
  }
  /** Stage timings of the pipeline that admitted it, completed at the switch. */
  admitted?: SwapRecord;
  #inFlight = 0;
  #evict = new Set<(err: Evicted) => void>();
  #idle: (() => void) | undefined;

  constructor(version: number, source: string, sha256: string, predictor: Predictor) {
    this.version = version;
    this.source = source;
    this.sha256 = sha256;
    this.predictor = predictor;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get info(): ModelVersion {
    return { version: this.version, source: this.source, sha256: this.sha256, loadedAt: this.loadedAt, warnings: this.warnings };
  }

  /** Runs `work` on this model; rejects with Evicted if the model is drained out before it finishes. */
  async use<T>(work: (p: Predictor) => Promise<T>): Promise<T> {
    this.#inFlight++;
    let evict!: (err: Evicted) => void;
    const evicted = new Promise<never>((_, reject) => (evict = reject));
    this.#evict.add(evict);
    try {
      return await Promise.race([work(this.predictor), evicted]);
    } finally {
      this.#evict.delete(evict);
      if (--this.#inFlight === 0) this.#idle?.();
    }
  }

  /**
   * Waits until no request runs here, at most `timeoutMs`; then evicts the rest and releases the model.
   * @returns how many requests were evicted
   */
  async retire(timeoutMs: number): Promise<number> {
    let evicted = 0;
    if (this.#inFlight > 0) {
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        // A draining model must not keep the process alive by its timer alone.
        timer.unref();
        this.#idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!drained) {
        evicted = this.#evict.size;
        for (const evict of [...this.#evict]) evict(new Evicted(`model version ${this.version} was drained out`));
      }
    }
    await this.predictor.dispose();
    return evicted;
  }
}
