import { describe, expect, it } from 'vitest';

import { PinnedBuffer, capabilities, deviceMemory, TrtjsError } from '../../lib/index.js';
import { nvidiaDeviceNodePresent } from '../helpers/tiers.js';

const caps = await capabilities();
const hasDeviceNode = nvidiaDeviceNodePresent();

describe('capabilities()', () => {
  it('reports the package, Node-API and the loaded addon', () => {
    expect(caps.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(caps.napiVersion).toBeGreaterThanOrEqual(8);
    expect(caps.addon.loaded).toBe(true);
    expect(caps.addon.path).toMatch(/trtjs.*\.node$/);
    expect(caps.addon.version).toBe(caps.version);
    expect(caps.addon.layers.cpu).toBe(true);
  });

  it('describes the CUDA layer consistently with the build', () => {
    if (caps.addon.layers.cuda) {
      expect(caps.addon.cudaToolkit).toMatch(/^\d+\.\d+/);
      // The release list (Turing to Hopper; Jetson Orin's sm_87 in arm64 builds only) unless the build was told otherwise.
      const chosen = process.env.TRTJS_CUDA_ARCHS?.split(/[;,]/);
      const archs = caps.addon.cudaArchs!;
      if (chosen) expect(archs).toEqual(chosen);
      else {
        expect(archs).toEqual(expect.arrayContaining(['75-real', '80-real', '86-real', '90-real']));
        expect(archs.some((a) => a.startsWith('87'))).toBe(process.arch === 'arm64');
        expect(archs.at(-1)).toMatch(/^\d+-virtual$/);
      }
      expect(caps.cuda.runtimeVersion).toMatch(/^\d+\.\d+$/);
      // CUDA's minor-version compatibility: any driver of the runtime's major.
      expect(caps.cuda.requiredDriverVersion).toBe(`${caps.cuda.runtimeVersion!.split('.')[0]}.0`);
    } else {
      expect(caps.cuda.reason).toMatch(/built without the CUDA layer/);
    }
  });

  it.skipIf(hasDeviceNode)('reports no CUDA device on a machine without one, with the reason', () => {
    expect(caps.cuda.available).toBe(false);
    expect(caps.cuda.devices).toEqual([]);
    expect(caps.cuda.reason).toMatch(/driver|device|CUDA/);
  });

  it('reports TensorRT as unavailable here with the exact reason', () => {
    if (caps.tensorrt.available) return expect(caps.tensorrt.version).toMatch(/^\d+\.\d+/);
    expect(caps.tensorrt.reason).toBeTruthy();
    if (caps.addon.layers.tensorrt) {
      // The layer is compiled: the reason names what the loader tried, or why CUDA blocks it.
      expect(caps.tensorrt.reason).toMatch(/libnvinfer\.so\.\d+|no CUDA device/);
    } else {
      expect(caps.tensorrt.reason).toMatch(/built without a TensorRT layer .*: to add one, (run `.*npm rebuild trtjs`|install TensorRT)/);
    }
  });

  it('reports ONNX Runtime (a dev dependency here) with its version', () => {
    expect(caps.onnxruntime.available).toBe(true);
    expect(caps.onnxruntime.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validates its options', async () => {
    await expect(capabilities({ selfTest: 'yes' as unknown as boolean })).rejects.toThrow(
      'capabilities: options.selfTest must be true or false, received "yes"',
    );
  });
});

describe.skipIf(hasDeviceNode)('GPU functions without a GPU', () => {
  it('reject with ERR_CUDA_UNAVAILABLE and the reason from capabilities()', async () => {
    const err = (await PinnedBuffer.allocate(1024).catch((e: unknown) => e)) as TrtjsError;
    expect(err).toBeInstanceOf(TrtjsError);
    expect(err.code).toBe('ERR_CUDA_UNAVAILABLE');
    expect(err.message).toContain(caps.cuda.reason!);
    await expect(deviceMemory()).rejects.toMatchObject({ code: 'ERR_CUDA_UNAVAILABLE', message: expect.stringContaining(caps.cuda.reason!) });
  });

  it('still validate their arguments first', async () => {
    await expect(PinnedBuffer.allocate(-1)).rejects.toThrow('PinnedBuffer.allocate: bytes must be an integer in [0, 9007199254740991], received -1');
    await expect(deviceMemory(-1)).rejects.toThrow('deviceMemory: device must be an integer in [0, 1024], received -1');
    await expect(PinnedBuffer.allocate(16, { device: 1.5 })).rejects.toThrow(
      'PinnedBuffer.allocate: options.device must be an integer in [0, 1024], received 1.5',
    );
  });
});
