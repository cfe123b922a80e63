import { expect, it } from 'vitest';

import { capabilities, deviceMemory } from '../../lib/index.js';
import { describeTier, tierStatus } from '../helpers/tiers.js';

const gpu = await tierStatus('gpu');

describeTier(gpu, 'CUDA device discovery', () => {
  it('reports every device with name, compute capability and memory, and runs a kernel on each', async () => {
    const caps = await capabilities({ selfTest: true });
    expect(caps.cuda.available).toBe(true);
    expect(caps.cuda.driverVersion).toMatch(/^\d+\.\d+$/);
    expect(caps.cuda.devices.length).toBeGreaterThan(0);
    for (const d of caps.cuda.devices) {
      expect(d.name.length).toBeGreaterThan(0);
      expect(d.computeCapability).toMatch(/^\d+\.\d+$/);
      expect(d.totalMemory).toBeGreaterThan(1 << 30);
      expect(d.multiProcessors).toBeGreaterThan(0);
      expect(d.selfTest).toBe('ok');
    }
    console.log(`[gpu] ${caps.cuda.devices.map((d) => `${d.name} sm_${d.computeCapability}`).join(', ')}, driver ${caps.cuda.driverVersion}`);
  });

  it('was compiled for the architecture of every device present', async () => {
    const caps = await capabilities();
    const archs = caps.addon.cudaArchs ?? [];
    for (const d of caps.cuda.devices) {
      const sm = d.computeCapability.replace('.', '');
      const real = archs.some((a) => a === `${sm}-real` || a === sm);
      const ptx = archs.some((a) => a.endsWith('-virtual') && Number(a.split('-')[0]) <= Number(sm));
      expect(real || ptx, `sm_${sm} not in ${archs.join(',')}`).toBe(true);
    }
  });

  it('reports free and total device memory as the driver sees it', async () => {
    const caps = await capabilities();
    for (const d of caps.cuda.devices) {
      const m = await deviceMemory(d.index);
      // cudaGetDeviceProperties and cudaMemGetInfo are independent sources; they agree on the total.
      expect(m.total).toBe(d.totalMemory);
      expect(m.free).toBeGreaterThan(0);
      expect(m.free).toBeLessThanOrEqual(m.total);
    }
    await expect(deviceMemory(caps.cuda.devices.length)).rejects.toMatchObject({ code: 'ERR_CUDA', message: /cudaMemGetInfo/ });
  });
});
