// The runner's Prometheus registry, on prom-client (the Node ecosystem's standard client: its exposition text is
// what Prometheus and promtool expect, and it brings the process and Node.js default metrics — CPU, memory,
// event-loop lag, GC, handles). One registry per service, not prom-client's global one, so tests can run several
// runners in one process. Gauges that read the database are set by collectors run just before each scrape; a
// failing collector is logged and leaves its gauges at their last values, the scrape still answers.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../log.ts';

export interface MetricsRegistry {
  registry: Registry;
  /** Runs before each scrape, to set gauges read from the database. */
  collect(name: string, collector: () => Promise<void>): void;
  /** The exposition text (format 0.0.4) after running the collectors. */
  render(): Promise<string>;
  contentType: string;
}

export function createMetricsRegistry(log: Logger): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool's lint refuses; the same numbers remain by type in
  // nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const collectors: Array<{ name: string; collector: () => Promise<void> }> = [];
  return {
    registry,
    collect: (name, collector) => void collectors.push({ name, collector }),
    async render() {
      const results = await Promise.allSettled(collectors.map((c) => c.collector()));
      results.forEach((result, i) => {
        if (result.status === 'rejected') log.warn({ err: result.reason, collector: collectors[i].name }, 'a metrics collector failed; its gauges keep their last values');
      });
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}
