import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one ModelHost, in a registry of its own (several hosts never collide). */
export class HostMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'trtjs_requests_total',
    help: 'Requests served, by model version',
    labelNames: ['version'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'trtjs_request_errors_total',
    help: 'Requests that failed, by model version',
    labelNames: ['version'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'trtjs_request_duration_seconds',
    help: 'Request latency',
    labelNames: ['version'],
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({ name: 'trtjs_inflight_requests', help: 'Requests running now', registers: [this.registry] });
  readonly swaps = new Counter({ name: 'trtjs_swaps_total', help: 'Swap attempts by result', labelNames: ['result'], registers: [this.registry] });
  readonly deferred = new Counter({
    name: 'trtjs_swaps_deferred_total',
    help: 'Changed model files the watcher deferred because of the rate limit',
    registers: [this.registry],
  });
  readonly stage = new Histogram({
    name: 'trtjs_swap_stage_seconds',
    help: 'Time per swap stage',
    labelNames: ['stage'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
}
