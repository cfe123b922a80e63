import { UnavailableError } from '../errors.js';
import { capabilities } from '../capabilities.js';
import { layerFunction } from '../native/binding.js';

let checked: Promise<void> | undefined;

/**
 * Resolves when a CUDA device is usable; otherwise rejects with ERR_CUDA_UNAVAILABLE and the reason
 * `capabilities()` gives. GPU entry points await it before calling into the CUDA layer.
 */
export function requireCuda(): Promise<void> {
  checked ??= (async () => {
    layerFunction('cudaInfo', 'cuda');
    const caps = await capabilities();
    if (!caps.cuda.available) throw new UnavailableError('ERR_CUDA_UNAVAILABLE', `CUDA is unavailable: ${caps.cuda.reason}`);
  })();
  // A failed check is not cached as success, and is re-reported to every caller.
  return checked;
}
