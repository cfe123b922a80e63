/**
 * The benchmark clock: milliseconds on CLOCK_MONOTONIC, the clock the native runtime stamps its own host times
 * with (std::chrono::steady_clock), so that JavaScript and native times share one timeline. performance.now()
 * reads that clock too (libuv's hrtime, from Node's time origin) and is the cheaper call, so it is used with the
 * origin's offset, taken once.
 */
const OFFSET = Number(process.hrtime.bigint()) / 1e6 - performance.now();

export function now(): number {
  return performance.now() + OFFSET;
}

/** From the earliest start to the latest end of a set of timed things (a loop: sets can hold millions). */
export function span(items: ReadonlyArray<{ start: number; end: number }>): number {
  let first = Infinity;
  let last = -Infinity;
  for (const x of items) {
    if (x.start < first) first = x.start;
    if (x.end > last) last = x.end;
  }
  return last - first;
}
