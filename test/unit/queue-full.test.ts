import { describe, expect, it } from 'vitest';

import { ModelHost, OnnxRuntimeBackend, SERVICE, TrtjsError, loadImage, type Tensor } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';

// Predictor's bounded queue is tested in predictor.test.ts; ModelHost and OnnxRuntimeBackend each keep their own
// (lib/util/request-queue.ts), and a caller reaching them directly must get the same refusal.

const model = fixture('models/yolo11n_int8_320.onnx');

/** Starts every call at once and records the order in which they settle, as 'ok' or the error's code. */
function inOrder<T>(calls: Array<() => Promise<T>>): { order: number[]; outcomes: Promise<Array<string | TrtjsError>> } {
  const order: number[] = [];
  const promises = calls.map((call, i) =>
    call().then(
      () => {
        order.push(i);
        return 'ok';
      },
      (err: unknown) => {
        order.push(i);
        return err as TrtjsError;
      },
    ),
  );
  return { order, outcomes: Promise.all(promises) };
}

describe('ERR_QUEUE_FULL outside Predictor', () => {
  it('ModelHost: with 1 running and maxQueue 2 waiting, one more is refused at once naming maxQueue; the rest settle', async () => {
    const image = await loadImage(fixture('images/bus.jpg'));
    await using host = await ModelHost.open(model, { concurrency: 1, maxQueue: 2, warmup: 0 });
    const { order, outcomes } = inOrder(Array.from({ length: 4 }, () => () => host.predict(image)));
    expect(host.status().queued).toBe(2);
    const results = await outcomes;
    expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    const full = results[3] as TrtjsError;
    expect(full).toBeInstanceOf(TrtjsError);
    expect(full.code).toBe('ERR_QUEUE_FULL');
    expect(full.message).toBe('ModelHost: the queue is full (2 requests waiting, 1 running; options.maxQueue)');
    // Refused before the running request could finish, not after waiting its turn.
    expect(order[0]).toBe(3);
    expect(host.status().queued).toBe(0);
    expect((await host.predict(image)).task).toBe('detect');
  });

  it(`OnnxRuntimeBackend: with ${SERVICE.onnxRuntimeInFlight} in flight and maxQueue 2 waiting, one more is refused at once; the rest settle`, async () => {
    const backend = await OnnxRuntimeBackend.load(model, { maxQueue: 2 });
    try {
      const feeds: Record<string, Tensor> = { images: { dtype: 'float32', dims: [1, 3, 320, 320], data: new Float32Array(3 * 320 * 320).fill(0.5) } };
      const accepted = SERVICE.onnxRuntimeInFlight + 2;
      const { order, outcomes } = inOrder(Array.from({ length: accepted + 1 }, () => () => backend.run(feeds)));
      const results = await outcomes;
      expect(results.slice(0, accepted)).toEqual(Array(accepted).fill('ok'));
      const full = results[accepted] as TrtjsError;
      expect(full).toBeInstanceOf(TrtjsError);
      expect(full.code).toBe('ERR_QUEUE_FULL');
      expect(full.message).toBe(`OnnxRuntimeBackend.run: the queue is full (2 requests waiting, ${SERVICE.onnxRuntimeInFlight} running; options.maxQueue)`);
      expect(order[0]).toBe(accepted);
      expect((await backend.run(feeds)).output0.dims).toEqual([1, 84, 2100]);
    } finally {
      await backend.dispose();
    }
  });
});
