/// <reference lib="esnext.disposable" preserve="true" />
import { DisposedError } from './errors.js';

/**
 * Releases what objects held when they were garbage-collected without `dispose()`. A safety net only: collection
 * may come late or never, so owners must call `dispose()` (or use `await using` / `try`-`finally`).
 */
const safetyNet = new FinalizationRegistry<() => void>((release) => {
  try {
    release();
  } catch {
    // Nothing can be reported from a finalizer; the resource is gone either way.
  }
});

/**
 * The one lifetime of every trtjs object that owns something beyond plain memory: native memory, a GPU engine, a
 * worker thread, a loaded model, timers.
 *
 * - `dispose()` is idempotent and returns the same Promise every time; the release starts synchronously, so even an
 *   un-awaited `dispose()` has already refused new work when it returns;
 * - `Symbol.asyncDispose` makes `await using` work (Node 22+ or TypeScript's down-levelling);
 * - any use after `dispose()` throws (or rejects with) `ERR_DISPOSED`;
 * - a safety net releases what a forgotten object held once it is garbage-collected.
 *
 * Subclasses implement {@link Resource.release}; the safety net's callback must not capture the object itself (the
 * registry would then keep it alive): give it only the handles it frees.
 */
export abstract class Resource implements AsyncDisposable {
  readonly #what: string;
  readonly #token = {};
  #disposing: Promise<void> | undefined;

  protected constructor(what: string) {
    this.#what = what;
  }

  /** True once `dispose()` has been called. */
  get disposed(): boolean {
    return this.#disposing !== undefined;
  }

  /** Releases everything this object holds. Safe to call more than once; later calls return the same Promise. */
  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      safetyNet.unregister(this.#token);
      await this.release();
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** Runs `release` if this object is garbage-collected before `dispose()`. */
  protected setSafetyNet(release: () => void): void {
    safetyNet.register(this, release, this.#token);
  }

  /** The error every use after dispose gets. */
  protected disposedError(): DisposedError {
    return new DisposedError(this.#what);
  }

  /** Throws `ERR_DISPOSED` once disposed; call at the start of every public method. */
  protected assertAlive(): void {
    if (this.#disposing) throw this.disposedError();
  }

  /** Frees what the object holds; called once, by the first `dispose()`. */
  protected abstract release(): void | Promise<void>;
}
