import { TrtjsError, abortedError } from '../errors.js';

/** The input shapes an optimization profile admits: every dim within [min, max]. */
export type ProfileBounds = Record<string, { min: number[]; max: number[] }>;

interface Waiter {
  profiles: Set<number>;
  resolve(context: number): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const dimsText = (d: number[]) => `[${d.join(', ')}]`;

/**
 * Hands TensorRT execution contexts to requests, one request per context at a time. Each context serves one
 * optimization profile; a request goes to an idle context whose profile admits its input shapes (the tightest
 * such profile first: its kernels were tuned closest to the request), or waits in line for one. Waiting happens
 * here, on the JavaScript side, so no libuv thread ever blocks on a busy context.
 *
 * @example
 * ```ts
 * const pool = new ContextPool([0, 0, 1], profiles); // two contexts on profile 0, one on profile 1
 * const c = await pool.acquire({ images: [1, 3, 640, 640] });
 * try { await runOn(c); } finally { pool.release(c); }
 * ```
 */
export class ContextPool {
  readonly #contextProfile: number[];
  readonly #profiles: ProfileBounds[];
  readonly #busy: boolean[];
  #waiters: Waiter[] = [];
  #closed = false;
  #drained: (() => void) | undefined;

  /**
   * @param contextProfiles the profile of each context, by context index
   * @param profiles the engine's profiles; an engine without any (static shapes) admits every shape, and its
   *   contexts must then all be on profile 0
   */
  readonly #maxQueue: number;

  constructor(contextProfiles: number[], profiles: ProfileBounds[], maxQueue = Infinity) {
    this.#maxQueue = maxQueue;
    if (!contextProfiles.length) throw new TrtjsError('ERR_BAD_INPUT', 'ContextPool: at least one context is needed');
    const count = Math.max(profiles.length, 1);
    for (const p of contextProfiles) {
      if (!Number.isInteger(p) || p < 0 || p >= count) throw new TrtjsError('ERR_BAD_INPUT', `ContextPool: no profile ${p} (the engine has ${count})`);
    }
    this.#contextProfile = [...contextProfiles];
    this.#profiles = profiles;
    this.#busy = contextProfiles.map(() => false);
  }

  /** Contexts in the pool. */
  get size(): number {
    return this.#busy.length;
  }

  /** Contexts now running a request. */
  get busy(): number {
    return this.#busy.filter(Boolean).length;
  }

  /** Requests waiting for a context. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * The profiles that admit these input shapes, tightest first (smallest maximum volume, then lowest index).
   * @throws ERR_SHAPE naming every profile's bounds when none admits them
   */
  profilesFor(shapes: Record<string, number[]>): number[] {
    if (!this.#profiles.length) return [0];
    const fits = (b: ProfileBounds) =>
      Object.entries(b).every(([name, { min, max }]) => {
        const s = shapes[name];
        return !!s && s.length === min.length && s.every((d, i) => d >= min[i] && d <= max[i]);
      });
    const volume = (b: ProfileBounds) => Object.values(b).reduce((sum, { max }) => sum + max.reduce((a, d) => a * d, 1), 0);
    const admitting = this.#profiles.map((b, i) => ({ i, b })).filter(({ b }) => fits(b));
    if (!admitting.length) {
      const asked = Object.entries(shapes)
        .map(([n, s]) => `${n} ${dimsText(s)}`)
        .join(', ');
      const bounds = this.#profiles
        .map(
          (b, i) =>
            `profile ${i}: ${Object.entries(b)
              .map(([n, { min, max }]) => `${n} ${dimsText(min)}..${dimsText(max)}`)
              .join(', ')}`,
        )
        .join('; ');
      throw new TrtjsError('ERR_SHAPE', `no optimization profile of the engine admits ${asked} (${bounds})`);
    }
    return admitting.sort((x, y) => volume(x.b) - volume(y.b) || x.i - y.i).map(({ i }) => i);
  }

  /**
   * Resolves to the index of a context reserved for the caller, who must `release` it.
   * @throws ERR_SHAPE when no profile admits the shapes; ERR_DISPOSED once the pool is closed; ERR_QUEUE_FULL when
   *   `maxQueue` requests already wait; ERR_ABORTED when the signal fires while waiting
   */
  acquire(shapes: Record<string, number[]>, signal?: AbortSignal): Promise<number> {
    if (this.#closed) return Promise.reject(new TrtjsError('ERR_DISPOSED', 'the engine has been disposed'));
    let order: number[];
    try {
      order = this.profilesFor(shapes);
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(abortedError('TensorRtBackend.run', signal));
    for (const p of order) {
      const c = this.#contextProfile.findIndex((q, i) => q === p && !this.#busy[i]);
      if (c >= 0) {
        this.#busy[c] = true;
        return Promise.resolve(c);
      }
    }
    if (this.#waiters.length >= this.#maxQueue) {
      return Promise.reject(
        new TrtjsError(
          'ERR_QUEUE_FULL',
          `TensorRtBackend.run: the queue is full (${this.#maxQueue} requests waiting for an execution context; options.maxQueue)`,
        ),
      );
    }
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { profiles: new Set(order), resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(abortedError('TensorRtBackend.run', signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** Returns a context; the first waiter (in arrival order) that it can serve takes it. */
  release(context: number): void {
    if (!this.#busy[context]) throw new TrtjsError('ERR_BAD_INPUT', `ContextPool.release: context ${context} is not in use`);
    const k = this.#waiters.findIndex((w) => w.profiles.has(this.#contextProfile[context]));
    if (k >= 0) {
      const [w] = this.#waiters.splice(k, 1);
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      w.resolve(context);
      return;
    }
    this.#busy[context] = false;
    if (this.#drained && !this.#busy.some(Boolean)) this.#drained();
  }

  /** Refuses new requests, rejects the waiting ones with ERR_DISPOSED, and resolves once every context is back. */
  close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      w.reject(new TrtjsError('ERR_DISPOSED', 'the engine was disposed while the request waited for an execution context'));
    }
    if (!this.#busy.some(Boolean)) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }
}
