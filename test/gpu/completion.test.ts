/**
 * PROTOTYPE, UNVERIFIED (written without a GPU): the three completion mechanisms of native/cuda/completion.h
 * resolve every Promise, under concurrency, without stopping the event loop. Skips without a CUDA device.
 */
import { expect, it } from 'vitest';

import { addon } from '../../lib/native/binding.js';
import { describeTier, tierStatus } from '../helpers/tiers.js';

const gpu = await tierStatus('gpu');
const modes = ['worker', 'hostfn', 'poller'] as const;

describeTier(gpu, 'completion mechanisms (prototype)', () => {
  it('each mechanism resolves one round trip after another', async () => {
    const probe = addon().completionProbe!(0);
    for (const mode of modes) for (let i = 0; i < 100; i++) await expect(addon().completionRoundTrip!(probe, mode)).resolves.toBeUndefined();
    expect(await addon().completionRawLoop!(probe, 100)).toBeGreaterThan(0);
  });

  it('thousands of concurrent round trips all resolve while the event loop keeps turning', async () => {
    const probe = addon().completionProbe!(0);
    for (const mode of modes) {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      const all = Promise.all(Array.from({ length: 5000 }, () => addon().completionRoundTrip!(probe, mode)));
      await all;
      clearInterval(timer);
      expect(ticks, mode).toBeGreaterThan(0);
    }
  });

  it('bad arguments are refused with ERR_BAD_INPUT', () => {
    const probe = addon().completionProbe!(0);
    expect(() => addon().completionRoundTrip!(probe, 'spin' as never)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
    expect(() => addon().completionRoundTrip!({} as never, 'worker')).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  });
});
