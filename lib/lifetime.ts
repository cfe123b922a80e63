import { DisposedError } from './errors.js';

/**
 * Releases native resources of objects that were garbage-collected without `dispose()`. A safety net only:
 * collection may come late or never, so owners must call `dispose()` (or use `using`/`await using`).
 */
const safetyNet = new FinalizationRegistry<() => void>((release) => {
  try {
    release();
  } catch {
    // Nothing can be reported from a finalizer; the resource is gone either way.
  }
});

/**
 * Base of every object that owns native memory, devices or threads.
 *
 * - `dispose()` is idempotent and releases everything at once;
 * - `Symbol.dispose` / `Symbol.asyncDispose` make `using` and `await using` work;
 * - any other use after dispose throws `ERR_DISPOSED`.
 *
 * `release` must not capture the owning object (the registry would keep it alive): give it only the native
 * handles it frees.
 */
export abstract class NativeResource implements Disposable, AsyncDisposable {
  #release: (() => void) | undefined;
  readonly #what: string;

  protected constructor(what: string, release: () => void) {
    this.#what = what;
    this.#release = release;
    safetyNet.register(this, release, this);
  }

  /** True once `dispose()` has run. */
  get disposed(): boolean {
    return this.#release === undefined;
  }

  /** Throws `ERR_DISPOSED` when disposed; call at the start of every public method. */
  protected assertAlive(): void {
    if (this.#release === undefined) throw new DisposedError(this.#what);
  }

  /** Releases the native resources now. Safe to call more than once. */
  dispose(): void {
    const release = this.#release;
    if (release === undefined) return;
    this.#release = undefined;
    safetyNet.unregister(this);
    release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}
