// Compile-time checks of the Predictor's result types (tsc -p tsconfig.json, run by CI): results narrow by `task`,
// and `task` at create types them; each @ts-expect-error line must fail to compile.
import { type ModelHost, Predictor, type SegmentResult, type TaskResult } from '../../lib/index.js';

export async function typed(path: string, host: ModelHost): Promise<void> {
  const any = await Predictor.create(path);
  const r: TaskResult = await any.predict('bus.jpg');
  if (r.task === 'segment') void r.masks.xy;
  if (r.task === 'classify') void r.probs.top5;
  // @ts-expect-error: not narrowed, a TaskResult may have no masks
  void r.masks;
  const seg = await Predictor.create(path, { task: 'segment' });
  const s: SegmentResult = await seg.predict('bus.jpg');
  void s.masks.data;
  const [first] = await seg.predictBatch(['a.jpg', 'b.jpg'], { retinaMasks: true, conf: 0.5 });
  void first.boxes.xyxy;
  // @ts-expect-error: a segment result has no keypoints
  void s.keypoints;
  // @ts-expect-error: no such task
  await Predictor.create(path, { task: 'depth' });
  const h = await host.predict('bus.jpg');
  if (h.task === 'pose') void h.keypoints.conf;
}
