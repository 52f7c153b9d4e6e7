import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunObserver } from './runtime.js';
import type { JobKindStats } from './store.js';

/** Job states the gauge reports, as `/scheduler/stats` names them. */
const STATES = ['scheduled', 'due', 'running', 'failed'] as const;

/**
 * The scheduler's Prometheus metrics: runs by kind and result, how late runs start, and
 * jobs by kind and state (read from the store when scraped, so every node reports the
 * shared totals).
 */
export function schedulerMetrics(
  registry: Registry,
  stats: () => Promise<JobKindStats[]>,
): RunObserver {
  const runs = new Counter({
    name: 'notifyd_scheduler_runs_total',
    help: 'Job runs by kind and result: done, rescheduled (recurring), retried, failed (final), lost (the lease was taken or the job cancelled meanwhile).',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'notifyd_scheduler_lateness_seconds',
    help: 'How long after its run_at a job started.',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300],
    registers: [registry],
  });
  new Gauge({
    name: 'notifyd_scheduler_jobs',
    help: 'Jobs by kind and state: scheduled (not due), due (waiting for a worker), running (leased), failed.',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await stats()) {
        for (const state of STATES) this.set({ kind: s.kind, state }, s[state]);
      }
    },
  });
  return {
    ran(kind, result, latenessMs) {
      runs.inc({ kind, result });
      lateness.observe({ kind }, latenessMs / 1000);
    },
  };
}
