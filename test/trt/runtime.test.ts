import { expect, it } from 'vitest';

import { capabilities } from '../../lib/index.js';
import { describeTier, tierStatus } from '../helpers/tiers.js';

const trt = await tierStatus('trt');

describeTier(trt, 'TensorRT runtime loading', () => {
  it('opens libnvinfer and the ONNX parser of the major the addon was compiled for', async () => {
    const caps = await capabilities();
    expect(caps.tensorrt.available).toBe(true);
    expect(caps.tensorrt.libraryPath).toMatch(/libnvinfer\.so/);
    expect(caps.tensorrt.version!.split('.')[0]).toBe(caps.tensorrt.layer!.split('.')[0]);
    expect(caps.tensorrt.onnxParser.available).toBe(true);
    expect(caps.tensorrt.onnxParser.path).toMatch(/libnvonnxparser\.so/);
  });
});
