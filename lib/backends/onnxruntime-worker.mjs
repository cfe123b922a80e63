// Worker thread of the ONNX Runtime backend: onnxruntime-node's run() computes on the calling thread, so the
// session lives here and the main thread's event loop stays free. Messages: load, run, dispose, crash (tests).
//
// Messages are handled strictly one after another. onnxruntime-node defers run() with setImmediate, so handling
// them as they arrive would let 'dispose' release the session under a run still in progress, which aborts the
// process from inside onnxruntime-node. After 'dispose' the worker closes its port and exits on its own: it is
// never terminated while a run is in progress.
import { parentPort } from 'node:worker_threads';

let ort;
let session;
let chain = Promise.resolve();

function toOrt(t) {
  return new ort.Tensor(t.dtype, t.data, t.dims);
}

function fromOrt(t) {
  return { dtype: t.type, dims: Array.from(t.dims), data: t.data };
}

async function handle(msg) {
  try {
    if (msg.type === 'load') {
      ort = await import('onnxruntime-node');
      session = await ort.InferenceSession.create(msg.bytes, msg.options);
      parentPort.postMessage({ type: 'loaded' });
    } else if (msg.type === 'run') {
      if (!session) throw new Error('the session has been released');
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = toOrt(t);
      const results = await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(results)) {
        outputs[name] = fromOrt(t);
        const buffer = t.data?.buffer;
        if (buffer instanceof ArrayBuffer && !transfer.includes(buffer)) transfer.push(buffer);
      }
      parentPort.postMessage({ type: 'result', id: msg.id, outputs }, transfer);
    } else if (msg.type === 'dispose') {
      const s = session;
      session = undefined;
      await s?.release();
      parentPort.postMessage({ type: 'disposed' });
      parentPort.close();
    } else if (msg.type === 'crash') {
      // Test hook: a worker that dies between runs, as one killed by the system would.
      process.exit(70);
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: msg.id, stage: msg.type, message: err?.message ? err.message : String(err) });
  }
}

parentPort.on('message', (msg) => {
  chain = chain.then(() => handle(msg));
});
