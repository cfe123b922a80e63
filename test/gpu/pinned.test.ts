import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { PinnedBuffer, TrtjsError } from '../../lib/index.js';
import { projectRoot } from '../helpers/fixtures.js';
import { runNode } from '../helpers/run.js';
import { describeTier, tierStatus } from '../helpers/tiers.js';

const gpu = await tierStatus('gpu');

describeTier(gpu, 'PinnedBuffer (zero-copy staging memory)', () => {
  it('is page-locked memory viewed without copies, released by dispose()', async () => {
    const before = PinnedBuffer.bytesInUse();
    const bytes = 3 * 640 * 640 * 4;
    const buf = await PinnedBuffer.allocate(bytes);
    expect(buf.byteLength).toBe(bytes);
    expect(PinnedBuffer.bytesInUse()).toBe(before + bytes);
    const view = new Float32Array(buf.buffer);
    view.fill(0.5);
    view[view.length - 1] = 7;
    // A second view sees the same memory: no copy was made.
    expect(new Float32Array(buf.buffer)[view.length - 1]).toBe(7);
    buf.dispose();
    buf.dispose();
    expect(PinnedBuffer.bytesInUse()).toBe(before);
    // The JS view can no longer reach the freed memory.
    expect(view.length).toBe(0);
    expect(() => buf.buffer).toThrow(TrtjsError);
  });

  it('supports mapped memory and await using', async () => {
    const before = PinnedBuffer.bytesInUse();
    {
      await using mapped = await PinnedBuffer.allocate(4096, { mapped: true });
      expect(mapped.mapped).toBe(true);
      new Uint8Array(mapped.buffer).fill(9);
      expect(PinnedBuffer.bytesInUse()).toBe(before + 4096);
    }
    expect(PinnedBuffer.bytesInUse()).toBe(before);
  });

  it('does not leak over many allocate/dispose cycles', async () => {
    const before = PinnedBuffer.bytesInUse();
    for (let i = 0; i < 200; i++) {
      const b = await PinnedBuffer.allocate(1 << 20);
      new Uint8Array(b.buffer)[0] = i & 0xff;
      b.dispose();
    }
    expect(PinnedBuffer.bytesInUse()).toBe(before);
  });

  it('a process may exit while pinned buffers are alive (their finalizers run during teardown)', () => {
    const r = runNode([
      '--input-type=module',
      '-e',
      `const t = await import('./dist/index.js'); const keep = []; for (let i = 0; i < 8; i++) keep.push(await t.PinnedBuffer.allocate(1 << 20)); console.log(t.PinnedBuffer.bytesInUse()); process.exit(0);`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(String(8 << 20));
  });

  it('works inside a worker thread', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(join(projectRoot, 'dist', 'index.js'))}).then(async ({ PinnedBuffer }) => {
        const b = await PinnedBuffer.allocate(1024); new Uint8Array(b.buffer).fill(3);
        const sum = new Uint8Array(b.buffer).reduce((a, v) => a + v, 0); b.dispose();
        parentPort.postMessage({ sum });
      }).catch((e) => parentPort.postMessage({ error: String(e) }));`;
    const result = await new Promise<{ sum?: number; error?: string }>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    expect(result).toEqual({ sum: 3072 });
  });
});
