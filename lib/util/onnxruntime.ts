/** onnxruntime-node is an optional peer dependency: loaded on first use, its absence is a normal answer. */
import { createRequire } from 'node:module';

import { UnavailableError } from '../errors.js';

export type OnnxRuntime = typeof import('onnxruntime-node');

let loading: Promise<{ module?: OnnxRuntime; version?: string; reason?: string }> | undefined;

export function loadOnnxRuntime(): Promise<{ module?: OnnxRuntime; version?: string; reason?: string }> {
  loading ??= (async () => {
    try {
      const module = (await import('onnxruntime-node')) as OnnxRuntime;
      const require = createRequire(import.meta.url);
      const version: string = require('onnxruntime-node/package.json').version;
      return { module, version };
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return { reason: `onnxruntime-node is not installed or failed to load (${message}); npm install onnxruntime-node` };
    }
  })();
  return loading;
}

/** onnxruntime-node, or ERR_ORT_UNAVAILABLE with the reason. */
export async function requireOnnxRuntime(): Promise<OnnxRuntime> {
  const ort = await loadOnnxRuntime();
  if (!ort.module) throw new UnavailableError('ERR_ORT_UNAVAILABLE', ort.reason!);
  return ort.module;
}
