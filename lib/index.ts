/**
 * trtjs: NVIDIA TensorRT for Node.js.
 *
 * @example
 * ```ts
 * import { capabilities } from 'trtjs';
 * console.log(await capabilities());
 * ```
 * @packageDocumentation
 */
export { TrtjsError, BadInputError, DisposedError, UnavailableError, type ErrorCode } from './errors.js';
export { capabilities, type Capabilities, type CudaDevice } from './capabilities.js';
export { NativeResource } from './lifetime.js';
export { PinnedBuffer } from './cuda/pinned-buffer.js';
