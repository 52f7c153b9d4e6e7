import type { ServicePrincipal } from '../auth/principal.js';
import type { Caller } from '../objects/tenancy.js';
import type { AlertRules } from './alert-rules.js';
import type { Alerts } from './alerts.js';
import type { EventTypes, StoredEventType } from './event-types.js';
import type { Funnels } from './funnels.js';
import type { Ingestor } from './ingest.js';
import type { AnalyticsQuery, QueryEngine, QueryResult } from './query.js';
import type { ReportDefinitions } from './report-definitions.js';
import type { Reports } from './reports.js';
import type { Schedules } from './schedules.js';
import type { AnalyticsStore } from './store.js';
import { iso } from './time.js';

/** An event type as GET /analytics/event-types lists it. */
export interface EventTypeListing {
  name: string;
  description: string;
  properties_schema: StoredEventType['data']['properties_schema'];
  event_count: number;
  declared: boolean;
  id: string | null;
  created_at: string | null;
}

/** The reporting half of the module. */
export interface Reporting {
  definitions: ReportDefinitions;
  reports: Reports;
  schedules: Schedules;
  rules: AlertRules;
  alerts: Alerts;
}

/**
 * The analytics module's services: ingestion, event types and queries, scoped by caller. A
 * key bound to a tenant sees its tenant; a key bound to none sees every tenant (and may
 * filter or group by tenant_id).
 */
export class Analytics {
  /** Reports, their definitions, schedules and alerts (set by the module). */
  reporting!: Reporting;

  constructor(
    readonly store: AnalyticsStore,
    readonly ingestor: Ingestor,
    readonly types: EventTypes,
    readonly engine: QueryEngine,
    readonly funnels: Funnels,
    private readonly now: () => number,
    private readonly dayRetentionMs: number,
  ) {}

  /** The tenant a caller's reads cover; null: every tenant. */
  scopeOf(p: { tenant_bound: boolean; tenant_id: string }): string | null {
    return p.tenant_bound ? p.tenant_id : null;
  }

  query(p: ServicePrincipal, q: AnalyticsQuery): Promise<QueryResult> {
    return this.engine.run(this.scopeOf(p), q);
  }

  /** Declared and seen event types with their counts (from day rollups). */
  async eventTypes(caller: Caller): Promise<EventTypeListing[]> {
    const now = this.now();
    const rows = await this.store.rollups('day', {
      tenant_id: this.scopeOf(caller),
      from: now - this.dayRetentionMs,
      to: now + 86_400_000,
    });
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.event_type, (counts.get(r.event_type) ?? 0) + r.count);
    const out = new Map<string, EventTypeListing>();
    for (const o of await this.types.declared(caller)) {
      out.set(o.data.name, this.eventTypeView(o, counts.get(o.data.name) ?? 0));
    }
    for (const [name, n] of counts) {
      if (!out.has(name)) {
        out.set(name, {
          name,
          description: '',
          properties_schema: {},
          event_count: n,
          declared: false,
          id: null,
          created_at: null,
        });
      }
    }
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  eventTypeView(o: StoredEventType, count: number): EventTypeListing {
    return {
      name: o.data.name,
      description: o.data.description,
      properties_schema: o.data.properties_schema,
      event_count: count,
      declared: true,
      id: o.id,
      created_at: iso(o.created_at),
    };
  }
}
