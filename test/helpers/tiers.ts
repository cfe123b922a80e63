/**
 * GPU and TensorRT tiers: a suite runs where its tier is available, is skipped with one printed line where it
 * is not, and fails where TRTJS_REQUIRE names the tier (so a GPU run can never pass vacuously).
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

import { capabilities } from '../../lib/capabilities.js';

export type Tier = 'gpu' | 'trt';
export interface TierStatus {
  tier: Tier;
  available: boolean;
  reason: string;
}

export function requiredTiers(): Set<string> {
  return new Set(
    (process.env.TRTJS_REQUIRE ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export async function tierStatus(tier: Tier): Promise<TierStatus> {
  const caps = await capabilities();
  if (!caps.cuda.available) return { tier, available: false, reason: `no usable CUDA device: ${caps.cuda.reason}` };
  if (tier === 'trt' && !caps.tensorrt.available) return { tier, available: false, reason: `no TensorRT: ${caps.tensorrt.reason}` };
  return { tier, available: true, reason: '' };
}

/** Independent of trtjs: does this machine expose an NVIDIA device node at all? */
export function nvidiaDeviceNodePresent(): boolean {
  return existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0') || existsSync('/dev/nvgpu');
}

export function describeTier(status: TierStatus, name: string, body: () => void): void {
  if (status.available) {
    describe(name, body);
  } else if (requiredTiers().has(status.tier)) {
    describe(name, () => {
      it(`requires the ${status.tier} tier (TRTJS_REQUIRE)`, () => {
        throw new Error(`TRTJS_REQUIRE includes ${status.tier}, but ${status.reason}`);
      });
    });
  } else {
    console.log(`[${status.tier}] skipped "${name}": ${status.reason}`);
    describe.skip(name, body);
  }
}
