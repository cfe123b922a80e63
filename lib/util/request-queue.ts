import { TrtjsError, abortedError } from '../errors.js';

interface Waiter {
  start(): void;
  reject(err: TrtjsError): void;
}

/**
 * Runs requests with at most `slots` at a time and at most `maxQueue` waiting; one more is refused at once with
 * ERR_QUEUE_FULL, so a service under a burst answers quickly instead of growing without bound. A request's work
 * starts only when it takes a slot (an image is decoded then, not while it waits). Its AbortSignal settles it at
 * once with ERR_ABORTED: a waiting request leaves the queue, a running one is answered while its work finishes in
 * the background still holding its slot (the backend is not handed more than it can run). `close()` answers every
 * waiting request with the given error; running ones finish.
 *
 * Every request given to `run` settles exactly once.
 */
export class RequestQueue {
  readonly #what: string;
  readonly #slots: number;
  readonly #maxQueue: number;
  #running = 0;
  #waiting: Waiter[] = [];
  #closed: TrtjsError | undefined;
  #idle: Array<() => void> = [];

  constructor(what: string, slots: number, maxQueue: number) {
    this.#what = what;
    this.#slots = slots;
    this.#maxQueue = maxQueue;
  }

  /** Requests whose work is running. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` when a slot is free. */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(abortedError(this.#what, signal));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const start = () => {
        this.#running++;
        let result: Promise<T>;
        try {
          result = work();
        } catch (err) {
          result = Promise.reject(err);
        }
        result
          .then(
            (value) => settle(() => resolve(value)),
            (err: unknown) => settle(() => reject(err)),
          )
          .finally(() => this.#done());
      };
      const waiter: Waiter = { start, reject: (err) => settle(() => reject(err)) };
      const onAbort = () => {
        const k = this.#waiting.indexOf(waiter);
        if (k >= 0) this.#waiting.splice(k, 1);
        settle(() => reject(abortedError(this.#what, signal!)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#running < this.#slots) {
        start();
      } else if (this.#waiting.length >= this.#maxQueue) {
        settle(() =>
          reject(
            new TrtjsError(
              'ERR_QUEUE_FULL',
              `${this.#what}: the queue is full (${this.#maxQueue} requests waiting, ${this.#running} running; options.maxQueue)`,
            ),
          ),
        );
      } else {
        this.#waiting.push(waiter);
      }
    });
  }

  /** Refuses new requests and answers every waiting one with `error`; running requests finish. */
  close(error: TrtjsError): void {
    this.#closed ??= error;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(error);
  }

  /** Resolves when no request is running. */
  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #done(): void {
    this.#running--;
    const next = this.#waiting.shift();
    if (next) {
      next.start();
    } else if (this.#running === 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}
