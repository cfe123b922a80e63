/**
 * Every error trtjs throws or rejects with is a {@link TrtjsError} with a stable `code`.
 *
 * @example
 * ```ts
 * try { await buildEngine({ onnx: 'model.onnx' }); }
 * catch (e) { if (e instanceof TrtjsError && e.code === 'ERR_TRT_UNAVAILABLE') useOnnxRuntime(); }
 * ```
 */
export type ErrorCode =
  /** An argument is missing, of the wrong type, or out of range. */
  | 'ERR_BAD_INPUT'
  /** A tensor or image shape does not fit what the model or operation allows. */
  | 'ERR_SHAPE'
  /** A model file is not a model trtjs can read (corrupt, truncated, unknown format). */
  | 'ERR_BAD_MODEL'
  /** The object was disposed; it can no longer be used. */
  | 'ERR_DISPOSED'
  /** The native addon could not be loaded on this machine. */
  | 'ERR_ADDON_UNAVAILABLE'
  /** No usable CUDA device or driver, or the addon was built without CUDA. */
  | 'ERR_CUDA_UNAVAILABLE'
  /** A CUDA call failed at run time. */
  | 'ERR_CUDA'
  /** TensorRT is not installed, not found, of the wrong major version, or not compiled in. */
  | 'ERR_TRT_UNAVAILABLE'
  /** An engine was built by another TensorRT version or for another GPU. */
  | 'ERR_ENGINE_INCOMPATIBLE'
  /** TensorRT failed to build an engine. */
  | 'ERR_BUILD'
  /** ONNX Runtime (`onnxruntime-node`) is not installed. */
  | 'ERR_ORT_UNAVAILABLE'
  /** A candidate model failed validation (hot swap). */
  | 'ERR_VALIDATION'
  /** An operation was requested faster than its rate limit allows. */
  | 'ERR_RATE_LIMITED'
  /** A bounded request queue is full (`maxQueue`): the request was refused, nothing was done. */
  | 'ERR_QUEUE_FULL'
  /** An operation was cancelled through its AbortSignal. */
  | 'ERR_ABORTED'
  /** Host memory ran out in native code. */
  | 'ERR_OUT_OF_MEMORY'
  /** An unexpected native failure (a bug: please report it). */
  | 'ERR_NATIVE';

const KNOWN_CODES = new Set<string>([
  'ERR_BAD_INPUT',
  'ERR_SHAPE',
  'ERR_BAD_MODEL',
  'ERR_DISPOSED',
  'ERR_ADDON_UNAVAILABLE',
  'ERR_CUDA_UNAVAILABLE',
  'ERR_CUDA',
  'ERR_TRT_UNAVAILABLE',
  'ERR_ENGINE_INCOMPATIBLE',
  'ERR_BUILD',
  'ERR_ORT_UNAVAILABLE',
  'ERR_VALIDATION',
  'ERR_RATE_LIMITED',
  'ERR_QUEUE_FULL',
  'ERR_ABORTED',
  'ERR_OUT_OF_MEMORY',
  'ERR_NATIVE',
] satisfies ErrorCode[]);

/** Base class of every trtjs error. `code` is stable across releases; `message` is for people. */
export class TrtjsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrtjsError';
    this.code = code;
  }
}

/** Thrown when a value does not match what an argument requires. */
export class BadInputError extends TrtjsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_BAD_INPUT', message, options);
    this.name = 'BadInputError';
  }
}

/** Thrown when the capability an operation needs (CUDA, TensorRT, ONNX Runtime, the addon) is missing. */
export class UnavailableError extends TrtjsError {
  constructor(code: 'ERR_ADDON_UNAVAILABLE' | 'ERR_CUDA_UNAVAILABLE' | 'ERR_TRT_UNAVAILABLE' | 'ERR_ORT_UNAVAILABLE', message: string) {
    super(code, message);
    this.name = 'UnavailableError';
  }
}

/** Thrown when a disposed object is used. */
export class DisposedError extends TrtjsError {
  constructor(what: string) {
    super('ERR_DISPOSED', `${what} has been disposed`);
    this.name = 'DisposedError';
  }
}

/** The error a request rejects with when its AbortSignal fires: ERR_ABORTED, with the signal's reason as cause. */
export function abortedError(what: string, signal: AbortSignal): TrtjsError {
  const reason = signal.reason as unknown;
  if (reason instanceof TrtjsError && reason.code === 'ERR_ABORTED') return reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new TrtjsError('ERR_ABORTED', `${what} was aborted${why}`, { cause: reason });
}

/** Throws {@link abortedError} when the signal has already fired. */
export function throwIfAborted(what: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(what, signal);
}

/**
 * Converts an error thrown by the native addon into a TrtjsError. `callerStack` is an Error created where the
 * user called in, so that a rejection from a worker thread still points at the user's code.
 */
export function fromNative(err: unknown, callerStack?: Error): TrtjsError {
  if (err instanceof TrtjsError) return err;
  const native = err as { code?: unknown; message?: unknown };
  const code = typeof native?.code === 'string' && KNOWN_CODES.has(native.code) ? (native.code as ErrorCode) : 'ERR_NATIVE';
  const message = typeof native?.message === 'string' ? native.message : String(err);
  const out = new TrtjsError(code, message, { cause: err });
  if (callerStack?.stack) {
    out.stack = `${out.name} [${code}]: ${message}\n${callerStack.stack.split('\n').slice(1).join('\n')}`;
  }
  return out;
}

/** Awaits a native Promise, mapping its rejection to a TrtjsError that carries the caller's stack. */
export async function settleNative<T>(start: () => Promise<T>): Promise<T> {
  const callerStack = new Error();
  Error.captureStackTrace?.(callerStack, settleNative);
  try {
    return await start();
  } catch (err) {
    throw fromNative(err, callerStack);
  }
}

/** Calls a synchronous native function, mapping what it throws to a TrtjsError. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err);
  }
}
