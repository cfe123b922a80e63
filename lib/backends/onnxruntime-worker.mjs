// Worker thread of the ONNX Runtime backend: onnxruntime-node's run() computes on the calling thread, so the
// session lives here and the main thread's event loop stays free. Messages: load, run, dispose.
import { parentPort } from 'node:worker_threads';

let ort;
let session;

function toOrt(t) {
  return new ort.Tensor(t.dtype, t.data, t.dims);
}

function fromOrt(t) {
  const data = t.data;
  return { dtype: t.type, dims: Array.from(t.dims), data };
}

parentPort.on('message', async (msg) => {
  try {
    if (msg.type === 'load') {
      ort = await import('onnxruntime-node');
      session = await ort.InferenceSession.create(msg.bytes, msg.options);
      parentPort.postMessage({ type: 'loaded', inputNames: session.inputNames, outputNames: session.outputNames });
    } else if (msg.type === 'run') {
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = toOrt(t);
      const results = await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(results)) {
        outputs[name] = fromOrt(t);
        if (!transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
      }
      parentPort.postMessage({ type: 'result', id: msg.id, outputs }, transfer);
    } else if (msg.type === 'dispose') {
      await session?.release();
      session = undefined;
      parentPort.postMessage({ type: 'disposed' });
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: msg.id, stage: msg.type, message: err && err.message ? err.message : String(err) });
  }
});
