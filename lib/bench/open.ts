/**
 * Opens what a benchmark runs on: an engine on TensorRT (one backend, a context per concurrent query), an ONNX
 * model on ONNX Runtime (a session per concurrent query: one session runs its requests in order), or a backend
 * the caller already has.
 */
import type { Backend } from '../backends/backend.js';
import { OnnxRuntimeBackend } from '../backends/onnxruntime.js';
import { TensorRtBackend } from '../backends/tensorrt.js';
import type { Profile } from '../build/shapes.js';
import type { Capabilities } from '../capabilities.js';
import { TrtjsError } from '../errors.js';
import { readEngineFile } from '../model/engine-file.js';
import type { EngineInspection } from '../model/inspect-engine.js';
import type { ModelInfo } from '../model/model-info.js';
import { looksLikeOnnx, readModelBytes, type ModelSource } from '../model/read-model.js';
import type { BackendDescription } from './types.js';

export interface Opened {
  info: ModelInfo;
  description: BackendDescription;
  /** ONNX Runtime: one session per lane; TensorRT and given backends: one, shared by the lanes. */
  backends: Backend[];
  tensorrt?: TensorRtBackend;
  profiles?: Profile[];
  dispose(): Promise<void>;
}

export function isBackend(v: unknown): v is Backend {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    typeof (v as Backend).run === 'function' &&
    typeof (v as Backend).dispose === 'function'
  );
}

/** What a model's precision is, as far as its file tells. */
function precisionOf(info: ModelInfo, kind: 'onnx' | 'engine'): string {
  const input = info.inputs[0]?.dtype ?? 'unknown';
  if (kind === 'engine') return `as built${info.half ? ' (metadata: half)' : ''}; input ${input}`;
  return `as exported${info.half ? ' (metadata: half)' : ''}; input ${input}`;
}

export function describeTensorRt(caps: Capabilities, device: number, info: ModelInfo, precision?: string): BackendDescription {
  const gpu = caps.cuda.devices[device]?.name ?? `CUDA device ${device}`;
  return {
    kind: 'tensorrt',
    device: 'GPU',
    description: `TensorRT ${caps.tensorrt.version ?? '?'} on ${gpu}`,
    precision: precision ?? precisionOf(info, 'engine'),
  };
}

export function describeOnnxRuntime(caps: Capabilities, info: ModelInfo): BackendDescription {
  return {
    kind: 'onnxruntime',
    device: 'CPU',
    description: `ONNX Runtime ${caps.onnxruntime.version ?? '?'}, CPU execution provider`,
    precision: precisionOf(info, 'onnx'),
  };
}

/**
 * Opens `model` for `lanes` concurrent queries.
 * @throws ERR_BAD_INPUT / ERR_BAD_MODEL for unreadable or unknown files; ERR_TRT_UNAVAILABLE for an engine without
 *   TensorRT; ERR_BAD_INPUT for an ONNX model on the TensorRT backend (build an engine first) or an engine on ONNX Runtime
 */
export async function openModel(
  model: ModelSource | Backend,
  backend: 'auto' | 'onnxruntime' | 'tensorrt',
  device: number,
  lanes: number,
  caps: Capabilities,
): Promise<Opened> {
  if (isBackend(model)) {
    const b = model;
    const description: BackendDescription =
      b instanceof TensorRtBackend
        ? describeTensorRt(caps, device, b.info)
        : b instanceof OnnxRuntimeBackend
          ? describeOnnxRuntime(caps, b.info)
          : { kind: 'custom', device: 'CPU', description: `a ${String(b.kind)} backend given by the caller`, precision: 'unknown' };
    return {
      info: b.info,
      description,
      backends: [b],
      tensorrt: b instanceof TensorRtBackend ? b : undefined,
      profiles: b instanceof TensorRtBackend ? b.info.profiles : undefined,
      dispose: async () => undefined, // the caller's
    };
  }
  const { bytes, name } = await readModelBytes(model);
  if (bytes.length === 0) throw new TrtjsError('ERR_BAD_MODEL', `${name}: the file is empty`);
  const onnx = looksLikeOnnx(bytes, name);
  if (onnx) {
    if (backend === 'tensorrt') {
      throw new TrtjsError(
        'ERR_BAD_INPUT',
        `${name} is an ONNX model: build an engine for TensorRT first (trtjs build ${name} -o model.engine), or use compare to bench both`,
      );
    }
    const first = await OnnxRuntimeBackend.load(bytes);
    const backends: Backend[] = [first];
    try {
      for (let i = 1; i < lanes; i++) backends.push(await OnnxRuntimeBackend.load(bytes));
    } catch (err) {
      await Promise.all(backends.map((b) => b.dispose()));
      throw err;
    }
    return {
      info: first.info,
      description: describeOnnxRuntime(caps, first.info),
      backends,
      dispose: async () => void (await Promise.all(backends.map((b) => b.dispose()))),
    };
  }
  readEngineFile(bytes, name); // neither ONNX nor an engine: say so before asking for TensorRT
  if (backend === 'onnxruntime') throw new TrtjsError('ERR_BAD_INPUT', `${name} is a TensorRT engine: ONNX Runtime runs ONNX models`);
  if (!caps.tensorrt.available)
    throw new TrtjsError('ERR_TRT_UNAVAILABLE', `${name} is a TensorRT engine and TensorRT is unavailable: ${caps.tensorrt.reason}`);
  const trt = await TensorRtBackend.load(bytes, { device, contexts: lanes });
  const info: EngineInspection = trt.info;
  return { info, description: describeTensorRt(caps, device, info), backends: [trt], tensorrt: trt, profiles: info.profiles, dispose: () => trt.dispose() };
}
