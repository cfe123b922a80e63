/**
 * Follows a model file, or a directory of versions (the newest model file wins), by polling its size and mtime:
 * a file is offered for a swap only after they have stayed unchanged for `stableMs`, so a partial copy is never
 * loaded. The same content is offered once: a rejected file is retried only after it changes again. Swaps
 * respect the host's rate limit: the watcher reports the wait once per file state (`deferred`) and offers the file
 * as it is when the wait is over, so a file replaced again meanwhile is taken in its latest state.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

import { HOST } from '../defaults.js';
import * as check from '../util/validate.js';

export interface WatchOptions {
  /** How long size and mtime must stay unchanged before the file is used. Default 1000 ms. */
  stableMs?: number;
  /** Polling period. Default 250 ms. */
  pollMs?: number;
}

export interface WatchTarget {
  served(): string;
  nextAllowedAt(): number;
  busy(): boolean;
  swap(file: string): Promise<unknown>;
  /** A stable, changed file waits for the rate limit until `retryAt` (epoch ms). */
  deferred(file: string, retryAt: number): void;
  error(err: Error): void;
}

const MODEL_EXTENSIONS = new Set(['.onnx', '.engine', '.plan']);

async function newestModel(dir: string): Promise<string | undefined> {
  let best: { path: string; mtime: number } | undefined;
  for (const name of await readdir(dir)) {
    if (!MODEL_EXTENSIONS.has(extname(name).toLowerCase())) continue;
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s?.isFile() && (!best || s.mtimeMs > best.mtime)) best = { path, mtime: s.mtimeMs };
  }
  return best?.path;
}

export function watchModel(path: string, options: WatchOptions | undefined, target: WatchTarget): () => void {
  const o = check.options<WatchOptions>('watch: options', options);
  const stableMs = check.optional(o.stableMs, HOST.stableMs, (v) => check.integer('watch: options.stableMs', v, 0, 2 ** 31 - 1));
  const pollMs = check.optional(o.pollMs, HOST.pollMs, (v) => check.integer('watch: options.pollMs', v, 10, 2 ** 31 - 1));
  if (typeof path !== 'string' || !path) check.fail('watch: path', 'a file or directory path', path);

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let seen: { file: string; size: number; mtime: number; since: number } | undefined;
  const offered = new Set<string>(); // file@size@mtime already swapped or rejected
  let deferredKey: string | undefined; // the file state last reported as deferred

  const tick = async () => {
    if (stopped) return;
    try {
      const s = await stat(path);
      const file = s.isDirectory() ? await newestModel(path) : path;
      if (!file) return;
      const f = await stat(file);
      const now = Date.now();
      if (!seen || seen.file !== file || seen.size !== f.size || seen.mtime !== f.mtimeMs) {
        seen = { file, size: f.size, mtime: f.mtimeMs, since: now };
        return;
      }
      const key = `${file}@${f.size}@${f.mtimeMs}`;
      if (now - seen.since < stableMs || offered.has(key) || target.busy()) return;
      const allowedAt = target.nextAllowedAt();
      if (now < allowedAt) {
        if (deferredKey !== key) {
          deferredKey = key;
          const digest = createHash('sha256')
            .update(await readFile(file))
            .digest('hex');
          if (digest === target.served()) offered.add(key);
          else target.deferred(file, allowedAt);
        }
        return;
      }
      const digest = createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
      offered.add(key);
      if (digest === target.served()) return;
      await target.swap(file).catch(() => undefined); // rejections are reported through the host's events
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') target.error(err as Error);
    } finally {
      // Watching alone never keeps the process alive.
      if (!stopped) timer = setTimeout(tick, pollMs).unref();
    }
  };
  timer = setTimeout(tick, 0).unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
