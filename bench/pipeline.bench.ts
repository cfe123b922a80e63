/**
 * Issue 4: per-image pre- and post-processing time as a share of inference time on the CPU backend
 * (ONNX Runtime), for yolov8n_int8 on bus.jpg. Pre = letterbox of decoded pixels; post = decode + NMS +
 * scaleBoxes. Image decoding (JPEG → pixels) is reported separately: it is the same work any pipeline does.
 */
import { OnnxRuntimeBackend, decode, letterbox, loadImage, scaleBoxes, timeIt as time } from '../lib/index.js';
import { fixture } from '../test/helpers/fixtures.js';

const path = fixture('images/bus.jpg');
const image = await loadImage(path);
await using backend = await OnnxRuntimeBackend.load(fixture('models/yolov8n_int8.onnx'));
const lb = letterbox(image);
const feeds = { images: { dtype: 'float32' as const, dims: lb.shape, data: lb.data } };
const out = (await backend.run(feeds)).output0;

// ONNX Runtime's threads spin for a while after each run; measure the CPU ops before inference so the two do
// not compete for this machine's cores.
const decodeJpeg = await time(() => loadImage(path), 20);
const pre = await time(() => letterbox(image), 50);
const post = await time(() => scaleBoxes(decode(out.data as Float32Array, out.dims)[0], lb), 50);
const infer = await time(() => backend.run(feeds), 20);

const pct = (t: number) => `${((100 * t) / infer.median).toFixed(1)}% of inference`;
console.log(`inference (ONNX Runtime CPU): median ${infer.median.toFixed(1)} ms`);
console.log(`pre  (letterbox 810x1080 -> 640x640): ${pre.median.toFixed(2)} ms = ${pct(pre.median)}`);
console.log(`post (decode + NMS + scaleBoxes):      ${post.median.toFixed(3)} ms = ${pct(post.median)}`);
console.log(`pre + post: ${pct(pre.median + post.median)}; JPEG decode (sharp): ${decodeJpeg.median.toFixed(1)} ms = ${pct(decodeJpeg.median)}`);
