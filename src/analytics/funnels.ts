/**
 * Funnels: ordered steps (an event type and filters each) a user goes through within a
 * conversion window. A user enters with the first step's event inside the range asked for;
 * each later step counts when the user's next matching event comes after the previous step
 * and within the window of entering. Results say, per step, how many entered and went on,
 * the conversion and drop-off, and the average time to the next step.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import { updateBody } from '../objects/schemas.js';
import { ObjectReads } from '../objects/service.js';
import type { Caller } from '../objects/tenancy.js';
import { viewFields } from '../objects/view.js';
import type { ObjectStore } from '../store/types.js';
import { checkFilter, isOwnField, passesAll, type QueryFilter } from './fields.js';
import { analyticsKind } from './kinds.js';
import type { QueryEngine } from './query.js';
import { EventTypeName, FilterSchema } from './schemas.js';
import {
  type ActivityRecord,
  type AnalyticsEventRecord,
  type FunnelCounts,
  type FunnelQuery,
  funnelCounter,
} from './store.js';
import { iso } from './time.js';

const DAY_S = 86_400;

export const FunnelStep = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    event_type: EventTypeName,
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 10 })),
  },
  { additionalProperties: false },
);

const Steps = Type.Array(FunnelStep, { minItems: 2, maxItems: 10 });
const Window = Type.Integer({
  minimum: 1,
  maximum: 90 * DAY_S,
  description: 'Seconds from entering within which later steps count (default 7 days).',
});

/** What a funnel's update may change: all but its name. */
const funnelFields = {
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  steps: Steps,
  conversion_window_seconds: Type.Optional(Window),
};

export const CreateFunnelBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), ...funnelFields },
  { additionalProperties: false },
);
export type CreateFunnelBody = Static<typeof CreateFunnelBody>;

export const UpdateFunnelBody = updateBody(funnelFields);
export type UpdateFunnelBody = Static<typeof UpdateFunnelBody>;

const funnel = viewFields<FunnelData>();
export const { schema: FunnelView, toView: funnelView } = funnel.view({
  name: Type.String(),
  description: Type.String(),
  steps: funnel.made(
    Type.Array(
      Type.Object(
        { ...FunnelStep.properties, order: Type.Integer() },
        { additionalProperties: false },
      ),
    ),
    (d) => d.steps.map((s, order) => ({ ...s, order })),
  ),
  conversion_window_seconds: Type.Integer(),
});

export const FunnelResultsQuery = Type.Object(
  {
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const FunnelResultsView = Type.Object({
  funnel_id: Type.String(),
  steps: Type.Array(
    Type.Object({
      step_name: Type.String(),
      entered: Type.Integer(),
      completed: Type.Integer(),
      /** Null when nobody entered the step (nothing to divide by). */
      conversion_rate: Type.Union([Type.Number(), Type.Null()]),
      drop_off_rate: Type.Union([Type.Number(), Type.Null()]),
      avg_time_to_next_seconds: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  overall_conversion_rate: Type.Union([Type.Number(), Type.Null()]),
  avg_completion_time_seconds: Type.Union([Type.Number(), Type.Null()]),
  time_range: Type.Object({ start: Type.String(), end: Type.String() }),
  rows_scanned: Type.Integer(),
});
export type FunnelResults = Static<typeof FunnelResultsView>;

export interface FunnelData {
  name: string;
  description: string;
  steps: { name: string; event_type: string; filters?: QueryFilter[] }[];
  conversion_window_seconds: number;
}
export type StoredFunnel = Stored<FunnelData>;

export const FUNNEL_OBJECT = analyticsKind(
  'analytics_funnel',
  'fnl',
  'FUNNEL_NOT_FOUND',
  'A global funnel reads every tenant: it needs an analytics:manage key bound to no tenant.',
);

const round = (x: number) => Math.round(x * 10_000) / 10_000;
function checkSteps(steps: FunnelData['steps']): void {
  for (const [i, s] of steps.entries()) {
    for (const [j, f] of (s.filters ?? []).entries())
      checkFilter(f, `body.steps[${i}].filters[${j}]`);
  }
}

/** Funnel definitions as admin objects, and their results. */
export class Funnels extends ObjectReads<FunnelData> {
  readonly repo: ObjectRepository<FunnelData>;
  protected override readonly byKey = true;

  constructor(
    store: ObjectStore,
    clock: Clock,
    ids: IdGenerator,
    private readonly engine: QueryEngine,
  ) {
    super();
    this.repo = new ObjectRepository(store, FUNNEL_OBJECT, clock, ids);
  }

  async create(caller: Caller, body: CreateFunnelBody): Promise<StoredFunnel> {
    checkSteps(body.steps);
    const data: FunnelData = {
      name: body.name,
      description: body.description ?? '',
      steps: body.steps,
      conversion_window_seconds: body.conversion_window_seconds ?? 7 * DAY_S,
    };
    return this.repo.create(this.repo.targetTenant(caller, undefined), data, body.name);
  }

  async update(caller: Caller, idOrName: string, body: UpdateFunnelBody): Promise<StoredFunnel> {
    if (body.steps) checkSteps(body.steps);
    const found = await this.repo.resolve(caller, idOrName);
    return this.repo.update(
      caller,
      found.id,
      (current) => ({
        data: {
          ...current.data,
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.steps ? { steps: body.steps } : {}),
          ...(body.conversion_window_seconds !== undefined
            ? { conversion_window_seconds: body.conversion_window_seconds }
            : {}),
        },
        key: current.key,
      }),
      body.version,
    );
  }

  async remove(caller: Caller, idOrName: string): Promise<StoredFunnel> {
    const found = await this.repo.resolve(caller, idOrName);
    return this.repo.remove(caller, found.id);
  }

  /**
   * The funnel's results for users entering in `[from, to)`. Steps without filters are
   * answered by the store (AnalyticsStore.funnel: index seeks per user entering); with
   * filters, from a scan of every event of the steps' types in range.
   */
  async results(
    funnel: StoredFunnel,
    tenant: string | null,
    from: number,
    to: number,
  ): Promise<FunnelResults> {
    const { steps, conversion_window_seconds } = funnel.data;
    const query: FunnelQuery = {
      tenant_id: funnel.tenant_id ?? tenant,
      from,
      to,
      window_ms: conversion_window_seconds * 1000,
      steps: steps.map((s) => s.event_type),
    };
    const counts = steps.every((s) => !s.filters?.length)
      ? await this.engine.funnel(query)
      : await this.scanned(funnel, query);
    return resultsOf(funnel, counts, from, to);
  }

  /** A funnel with filters: its counts from a scan of the steps' types in range. */
  private async scanned(funnel: StoredFunnel, q: FunnelQuery): Promise<FunnelCounts> {
    const { steps } = funnel.data;
    const NONE: Record<string, unknown> = {};
    const counter = funnelCounter(steps.length, q.window_ms, q.to, (i, e) => {
      const step = steps[i]!;
      if (e.event_type !== step.event_type) return false;
      if (!step.filters?.length) return true;
      return passesAll(
        'properties' in e ? (e as AnalyticsEventRecord) : { ...e, properties: NONE },
        step.filters,
      );
    });
    const started = performance.now();
    const range = {
      tenant_id: q.tenant_id,
      from: q.from,
      to: q.to + q.window_ms,
      event_types: [...new Set(q.steps)],
    };
    // Steps filtered on a property need whole events; the rest read activity records.
    const ownFields = steps.every((s) => (s.filters ?? []).every((f) => isOwnField(f.field)));
    if (ownFields) await this.engine.scanActivity(range, started, counter.visit);
    else {
      await this.engine.scan(range, started, (e) => {
        if (e.user_id !== null) counter.visit(e as ActivityRecord);
      });
    }
    return counter.counts();
  }
}

/**
 * Results from a funnel's counts. A rate over nobody (no user entered the step) is null, as
 * every ratio with nothing to divide by is across notifyd: 0% would read as everyone leaving.
 */
function resultsOf(funnel: StoredFunnel, c: FunnelCounts, from: number, to: number): FunnelResults {
  const { steps } = funnel.data;
  const n = steps.length;
  const out = steps.map((s, k) => {
    const last = k === n - 1;
    const entered = c.reached[k]!;
    const completed = last ? entered : c.reached[k + 1]!;
    const conversion = entered ? completed / entered : null;
    return {
      step_name: s.name,
      entered,
      completed,
      conversion_rate: conversion === null ? null : round(conversion),
      drop_off_rate: conversion === null ? null : round(1 - conversion),
      avg_time_to_next_seconds:
        !last && completed ? round(c.gaps[k + 1]! / completed / 1000) : null,
    };
  });
  const done = c.reached[n - 1]!;
  return {
    funnel_id: funnel.id,
    steps: out,
    overall_conversion_rate: c.reached[0] ? round(done / c.reached[0]) : null,
    avg_completion_time_seconds: done ? round(c.total / done / 1000) : null,
    time_range: { start: iso(from), end: iso(to) },
    rows_scanned: c.rows_read,
  };
}
