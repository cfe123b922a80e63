// Compile-time checks of the public types (tsc -p tsconfig.json, run by CI): each @ts-expect-error line must fail to
// compile, so a misspelt event or a wrong payload field is caught by the user's compiler.
import { type ModelHost, decode, type ModelHostEvents, type Tensor } from '../../lib/index.js';

export async function typed(host: ModelHost, output: Tensor): Promise<void> {
  host.on('rejected', (r) => r.stage.toUpperCase());
  host.on('deferred', (d) => d.retryAt.getTime());
  host.on('drained', (d) => d.evicted + d.version.version);
  // @ts-expect-error: no such event
  host.on('rejectd', () => undefined);
  // @ts-expect-error: no such field on 'rejected'
  host.on('rejected', (r) => r.nonexistent);
  const payload: ModelHostEvents['swapped'] = { version: host.status().current, previous: host.status().current };
  void payload;
  // A backend's output tensor goes straight into decode.
  const [dets] = decode(output, { conf: 0.5 });
  void dets.count;
}
