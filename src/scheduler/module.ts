import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { schedulerMetrics } from './metrics.js';
import type { SchedulerOptions } from './options.js';
import { schedulerRoutes } from './routes.js';
import { SchedulerRuntime } from './runtime.js';
import { type SchedulerService, schedulerService } from './service.js';

const HOUR = 3_600_000;

/** The scheduler module's options, from the configuration. */
export const schedulerOptions = (c: Config): SchedulerOptions => c.scheduler;

/**
 * The scheduler: durable jobs run by kind on every node that has `scheduler.enabled`, at
 * least once, with leases (a dead node's jobs go to another). It starts before the modules
 * that register handlers into it and, on shutdown, stops claiming when the server pauses
 * (while their services still work) and waits for the runs under way.
 */
export function createSchedulerModule(
  ctx: ModuleContext<SchedulerOptions>,
): NotifydModule<{ scheduler: SchedulerService }> {
  const { options, store, clock, ids, logger } = ctx;
  const jobs = store.jobs;
  const observer = schedulerMetrics(ctx.metrics, () => jobs.stats(clock.now()));
  const runtime = new SchedulerRuntime({
    store: jobs,
    clock,
    ids,
    logger,
    settings: options,
    observer,
  });
  const scheduler = schedulerService(runtime, jobs, clock);
  return {
    name: 'scheduler',
    services: { scheduler },
    routes: schedulerRoutes(scheduler),
    jobs: [
      {
        name: 'scheduler purge',
        everyMs: HOUR,
        run: async () => {
          await jobs.purge(clock.now() - options.retention_hours * HOUR);
        },
      },
    ],
    // The server lists this module last: it starts once every handler's module has started
    // (a bad cron schedule stops start-up), and pauses first, while their services work.
    start: async () => {
      if (options.enabled) await runtime.start();
    },
    pause: () => runtime.stop(),
  };
}
