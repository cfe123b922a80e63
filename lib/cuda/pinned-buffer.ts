/// <reference lib="esnext.disposable" preserve="true" />
import { settleNative } from '../errors.js';
import { Resource } from '../lifetime.js';
import { layerFunction } from '../native/binding.js';
import * as check from '../util/validate.js';
import { requireCuda } from './require-cuda.js';

/**
 * Page-locked (pinned) host memory exposed to JavaScript without copies: `bytes` views the very memory CUDA
 * copies from and to. With `mapped: true` the GPU can address it directly, which on integrated GPUs (Jetson)
 * removes the copies altogether.
 *
 * @example
 * ```ts
 * await using staging = await PinnedBuffer.allocate(3 * 640 * 640 * 4);
 * const input = new Float32Array(staging.buffer);
 * input.fill(0.5);
 * ```
 */
export class PinnedBuffer extends Resource implements Disposable {
  readonly #buffer: ArrayBuffer;
  readonly #free: () => void;
  /** True when the device can address this memory directly. */
  readonly mapped: boolean;

  private constructor(buffer: ArrayBuffer, mapped: boolean) {
    super('PinnedBuffer');
    const free = layerFunction('pinnedFree', 'cuda');
    this.#free = () => free(buffer);
    this.setSafetyNet(this.#free);
    this.#buffer = buffer;
    this.mapped = mapped;
  }

  /**
   * Allocates `bytes` of pinned host memory, page-locked for every device of the process (portable).
   * @param options.mapped map it into the device address space (default false).
   * @param options.device the device it is allocated on, and with `mapped` the one whose address space it is mapped
   *   into (default 0).
   */
  static async allocate(bytes: number, options?: { mapped?: boolean; device?: number }): Promise<PinnedBuffer> {
    check.integer('PinnedBuffer.allocate: bytes', bytes, 0, Number.MAX_SAFE_INTEGER);
    const opts = check.options<{ mapped: boolean; device: number }>('PinnedBuffer.allocate: options', options);
    const mapped = check.optional(opts.mapped, false, (v) => check.boolean('PinnedBuffer.allocate: options.mapped', v));
    const device = check.optional(opts.device, 0, (v) => check.integer('PinnedBuffer.allocate: options.device', v, 0, 1024));
    await requireCuda();
    const alloc = layerFunction('pinnedAlloc', 'cuda');
    const { buffer, mapped: isMapped } = await settleNative(() => alloc(bytes, mapped, device));
    return new PinnedBuffer(buffer, isMapped);
  }

  /** The memory itself. Detached (byteLength 0) once disposed. */
  get buffer(): ArrayBuffer {
    this.assertAlive();
    return this.#buffer;
  }

  get byteLength(): number {
    return this.disposed ? 0 : this.#buffer.byteLength;
  }

  /** Freed synchronously: the memory is gone when `dispose()` returns, so `using` works too. */
  protected release(): void {
    this.#free();
  }

  [Symbol.dispose](): void {
    void this.dispose();
  }

  /** Bytes of pinned memory this process holds through trtjs (for leak checks). */
  static bytesInUse(): number {
    return layerFunction('pinnedBytesInUse', 'cuda')();
  }
}
