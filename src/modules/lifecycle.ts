import type { Logger } from '../core/logger.js';
import { runPeriodically } from '../core/periodic.js';
import type { NotifydModule } from './contract.js';

/**
 * Runs a server's modules: starts them in their order, runs their jobs once listening, and
 * on shutdown pauses and stops them in the reverse order. A module that fails to stop is
 * logged; the others still stop.
 */
export class ModuleRunner {
  private stopJobs: Array<() => void> = [];

  constructor(
    private readonly modules: readonly NotifydModule[],
    private readonly logger: Logger,
  ) {}

  /** Every module's routes, in module order. */
  get routes() {
    return this.modules.flatMap((m) => m.routes);
  }

  async start(): Promise<void> {
    for (const m of this.modules) await m.start?.();
  }

  /** Once the server listens: each module's started hook, then its background jobs. */
  startJobs(): void {
    for (const m of this.modules) m.started?.();
    for (const m of this.modules) {
      for (const job of m.jobs ?? []) {
        this.stopJobs.push(
          runPeriodically(
            job.run,
            job.everyMs,
            this.logger,
            `${m.name}: ${job.name} failed; will retry`,
          ),
        );
      }
    }
  }

  /** Stops the jobs, then lets each module stop taking new work. */
  async pause(): Promise<void> {
    for (const stop of this.stopJobs) stop();
    this.stopJobs = [];
    for (const m of [...this.modules].reverse()) await this.settle(m, 'pause');
  }

  async stop(): Promise<void> {
    for (const m of [...this.modules].reverse()) await this.settle(m, 'stop');
  }

  private async settle(m: NotifydModule, phase: 'pause' | 'stop'): Promise<void> {
    try {
      await m[phase]?.();
    } catch (err) {
      this.logger.warn({ err, module: m.name }, `${m.name} failed to ${phase}`);
    }
  }
}
