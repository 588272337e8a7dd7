import { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '../metrics';

/** Handoff numbers on the app's registry: opened, waiting, wait time, served, by reason. */
export function createHandoffMetrics(metrics: Metrics, countWaiting: () => Promise<number>) {
  const registers = [metrics.registry];
  return {
    opened: new Counter({
      name: 'iess_handoff_tickets_opened_total',
      help: 'Tickets opened',
      labelNames: ['reason', 'channel'],
      registers,
    }),
    served: new Counter({
      name: 'iess_handoff_tickets_served_total',
      help: 'Tickets claimed by an agent',
      labelNames: ['reason'],
      registers,
    }),
    closed: new Counter({ name: 'iess_handoff_tickets_closed_total', help: 'Tickets closed', labelNames: ['reason', 'by'], registers }),
    waitSeconds: new Histogram({
      name: 'iess_handoff_wait_seconds',
      help: 'Time from opening a ticket to an agent claiming it',
      labelNames: ['reason'],
      buckets: [15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    }),
    // Read from the shared store when scraped, so every instance reports the same queue.
    waiting: new Gauge({
      name: 'iess_handoff_tickets_waiting',
      help: 'Tickets waiting for an agent now',
      registers,
      async collect() {
        this.set(await countWaiting().catch(() => 0));
      },
    }),
  };
}

export type HandoffMetrics = ReturnType<typeof createHandoffMetrics>;
