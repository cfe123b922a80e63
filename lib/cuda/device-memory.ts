import { settleNative } from '../errors.js';
import { layerFunction } from '../native/binding.js';
import * as check from '../util/validate.js';
import { requireCuda } from './require-cuda.js';

/**
 * Free and total memory of a CUDA device, in bytes, as the driver reports it (`cudaMemGetInfo`): what engines,
 * execution contexts and every other process on the GPU leave free. Useful for readiness checks and metrics, and to
 * see that a disposed engine gave its memory back.
 * @throws ERR_CUDA_UNAVAILABLE without a usable CUDA device; ERR_CUDA for a device index that does not exist
 *
 * @example
 * ```ts
 * const { free, total } = await deviceMemory();
 * console.log(`${(free / 2 ** 30).toFixed(1)} of ${(total / 2 ** 30).toFixed(1)} GiB free`);
 * ```
 */
export async function deviceMemory(device = 0): Promise<{ free: number; total: number }> {
  check.integer('deviceMemory: device', device, 0, 1024);
  await requireCuda();
  const info = layerFunction('cudaMemoryInfo', 'cuda');
  return settleNative(() => info(device));
}
