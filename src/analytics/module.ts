import { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { SchedulerService } from '../scheduler/service.js';
import { AlertEvaluator, type TopicSender } from './alert-evaluator.js';
import { ALERT_JOB, AlertRules } from './alert-rules.js';
import { Alerts } from './alerts.js';
import { Analytics } from './analytics.js';
import { EventTypes } from './event-types.js';
import { Funnels } from './funnels.js';
import { Ingestor } from './ingest.js';
import { type AnalyticsOptions, retentionCutoffs } from './options.js';
import { QueryEngine } from './query.js';
import { recordBusEvents } from './recorder.js';
import { ReportDefinitions } from './report-definitions.js';
import { resolveFont } from './report-pdf.js';
import { Reports } from './reports.js';
import { alertRoutes } from './routes/alerts.js';
import { eventRoutes } from './routes/events.js';
import { funnelRoutes } from './routes/funnels.js';
import { queryRoutes } from './routes/query.js';
import { reportDefinitionRoutes, reportRoutes } from './routes/reports.js';
import { scheduleRoutes } from './routes/schedules.js';
import { type ReportSender, ScheduleRunner } from './schedule-runner.js';
import { SCHEDULE_JOB, Schedules } from './schedules.js';

const DAY = 86_400_000;

/** The analytics module's options, from the configuration. */
export const analyticsOptions = (c: Config): AnalyticsOptions => c.analytics;

/** What the module needs: the scheduler's jobs, the send paths reports and alerts go out through. */
export interface AnalyticsNeeds {
  scheduler: SchedulerService;
  sender: () => ReportSender | null;
  /** Topic sends, for alert rules that notify a topic. */
  topics: () => TopicSender | null;
}

/**
 * Analytics and reporting: event ingestion (the API's, written before answering; notifyd's
 * own from the bus, buffered), rollups, queries, and the purge of data past its retention.
 */
export function createAnalyticsModule(
  ctx: ModuleContext<AnalyticsOptions, AnalyticsNeeds>,
): NotifydModule<{ analytics: Analytics | null }> {
  const { options, store, clock, ids, logger } = ctx;
  if (!options.enabled) return { name: 'analytics', routes: [], services: { analytics: null } };
  const recorded = new Counter({
    name: 'notifyd_analytics_events_total',
    help: 'Analytics events stored, by source: api (tracked by clients) or internal (notifyd’s own, from its event bus).',
    labelNames: ['source'] as const,
    registers: [ctx.metrics],
  });
  const dropped = new Counter({
    name: 'notifyd_analytics_events_dropped_total',
    help: 'notifyd’s own analytics events dropped: the buffer was full (analytics.buffer_size) or the store refused a batch.',
    registers: [ctx.metrics],
  });
  const types = new EventTypes(store.objects, clock, ids);
  const ingestor = new Ingestor({
    store: store.analytics,
    clock,
    ids,
    types,
    options,
    logger,
    counters: {
      recorded: (source, n) => recorded.inc({ source }, n),
      dropped: (n) => dropped.inc(n),
    },
  });
  new Gauge({
    name: 'notifyd_analytics_buffered_events',
    help: 'notifyd’s own analytics events waiting to be written.',
    registers: [ctx.metrics],
    collect() {
      this.set(ingestor.pending);
    },
  });
  const engine = new QueryEngine(store.analytics, clock, {
    rollupDimensions: options.rollup_dimensions,
    retention: options.retention,
    timeoutMs: options.query_timeout_ms,
  });
  const { retention } = options;
  const analytics = new Analytics(
    store.analytics,
    ingestor,
    types,
    engine,
    new Funnels(store.objects, clock, ids, engine),
    () => clock.now(),
    retention.day_days * DAY,
  );
  const definitions = new ReportDefinitions(store.objects, clock, ids);
  const reports = new Reports(
    store.objects,
    clock,
    ids,
    engine,
    definitions,
    (type, tenant, data) => ctx.bus.emit(type, tenant, data),
    {
      ttlMs: options.reports.ttl_hours * 3_600_000,
      maxRows: options.reports.max_rows,
      maxBytes: options.reports.max_bytes,
      font: resolveFont(options.reports.pdf_font),
    },
  );
  const r = options.reports;
  const links = {
    secret: r.link_secret,
    publicUrl: r.public_url,
    ttlMs: r.link_ttl_hours * 3_600_000,
  };
  const { scheduler, sender, topics } = ctx.services;
  const schedules = new Schedules(
    store.objects,
    clock,
    ids,
    definitions,
    scheduler,
    links.secret !== '',
  );
  const runner = new ScheduleRunner({
    objects: store.objects,
    repo: schedules.repo,
    reports,
    clock,
    ids,
    logger,
    sender,
    links,
  });
  scheduler.register(SCHEDULE_JOB.kind, (job) => runner.run(job));
  const alerts = new Alerts(store.objects, clock, ids, (type, tenant, data) =>
    ctx.bus.emit(type, tenant, data),
  );
  const rules = new AlertRules(store.objects, clock, ids, scheduler, alerts);
  const evaluator = new AlertEvaluator({
    objects: store.objects,
    rules,
    alerts,
    engine,
    clock,
    ids,
    logger,
    sender,
    topics,
  });
  scheduler.register(ALERT_JOB.kind, (job) => evaluator.run(job));
  analytics.reporting = { definitions, reports, schedules, rules, alerts };
  // Listening from the start: events emitted before the server listens are recorded too.
  const unsubscribe = recordBusEvents(ctx.bus, ingestor);
  const emit = ctx.bus.emit.bind(ctx.bus);
  return {
    name: 'analytics',
    services: { analytics },
    routes: [
      ...eventRoutes(analytics),
      ...queryRoutes(analytics),
      ...funnelRoutes(analytics, emit),
      ...reportDefinitionRoutes(definitions, emit),
      ...scheduleRoutes(schedules, emit),
      ...alertRoutes(rules, alerts, emit),
      ...reportRoutes(reports, links),
    ],
    jobs: [
      { name: 'analytics flush', everyMs: options.flush_interval_ms, run: () => ingestor.flush() },
      {
        name: 'reports purge',
        everyMs: options.purge_interval_ms,
        run: () => reports.purge().then(() => {}),
      },
      {
        name: 'analytics retention purge',
        everyMs: options.purge_interval_ms,
        run: async () => {
          await store.analytics.purge(retentionCutoffs(retention, clock.now()));
        },
      },
    ],
    async stop() {
      unsubscribe();
      await ingestor.flush();
    },
  };
}
