/**
 * The benchmark clock: milliseconds on CLOCK_MONOTONIC (process.hrtime), the clock the native runtime stamps its
 * own host times with (std::chrono::steady_clock), so that JavaScript and native times share one timeline.
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
