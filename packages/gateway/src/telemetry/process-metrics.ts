// The process's own health on /metrics, under the names Prometheus' Node.js clients use: resident memory,
// V8's heap, CPU time and event-loop delay (libuv's timer lag, sampled by perf_hooks). Open connections are the
// connection guard's (claude_foundry_connections_open, gateway-metrics.ts).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from './metrics.ts';

/**
 * The sampler's timer period. Each tick wakes an idle event loop: at 10 ms (Node's default) that was 100 wake-ups a
 * second in every process, the only ones an idle gateway had, and at c=32 over a 20 ms upstream about one more per
 * wave of answers (docs/benchmarks.md#every-core-one-machine). A tick's lateness is what any timer due at that moment
 * would see, so fewer ticks sample the same distribution; a stall longer than the period is always caught.
 */
const DELAY_SAMPLE_MS = 100;

/** Registers the gauges. Returns a stop for the delay sampler. */
export function registerProcessMetrics(registry: Registry): () => void {
  const delay = monitorEventLoopDelay({ resolution: DELAY_SAMPLE_MS });
  delay.enable();
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  registry.observed('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', () => process.memoryUsage.rss());
  registry.observed('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', 'counter', () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });
  registry.observed('nodejs_heap_size_used_bytes', "V8's heap in use, in bytes.", 'gauge', () => process.memoryUsage().heapUsed);
  registry.observed('nodejs_heap_size_total_bytes', "V8's heap reserved, in bytes.", 'gauge', () => process.memoryUsage().heapTotal);
  registry.observed('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers among them), in bytes.', 'gauge', () => process.memoryUsage().external);
  // Percentiles over the whole run: a lag spike stays visible to a scraper that comes late.
  registry.observed('nodejs_eventloop_delay_p50_seconds', 'Event-loop delay, median since start.', 'gauge', () => seconds(delay.percentile(50)));
  registry.observed('nodejs_eventloop_delay_p99_seconds', 'Event-loop delay, 99th percentile since start.', 'gauge', () => seconds(delay.percentile(99)));
  registry.observed('nodejs_eventloop_delay_max_seconds', 'Event-loop delay, longest since start.', 'gauge', () => seconds(delay.max));
  return () => delay.disable();
}
