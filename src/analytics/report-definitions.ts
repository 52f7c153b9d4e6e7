/**
 * Report definitions: a named set of analytics queries (each one a section of the report),
 * the time range preset they cover and the format the report is made in by default. They
 * are tenant-scoped admin objects, like funnels.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import { envelopeOf, updateBody, ViewEnvelope } from '../objects/schemas.js';
import { ObjectReads } from '../objects/service.js';
import type { Caller } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import { checkFilter, type QueryFilter } from './fields.js';
import { analyticsKind } from './kinds.js';
import { leavesOf } from './metrics.js';
import { FilterSchema, TimeRangeSchema } from './schemas.js';
import { checkTimeZone, GRANULARITIES, type TimeRangeInput } from './time.js';

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

export const REPORT_FORMATS = ['csv', 'json', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const ReportFormatSchema = literals(REPORT_FORMATS);

export const CHARTS = ['bar', 'line', 'none'] as const;
export type Chart = (typeof CHARTS)[number];

/** Names people type: letters, digits and `_ . -`. */
export const ReportName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' });

/** One section of a report: a query of `POST /analytics/query` without its time range. */
export const ReportQuerySchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    metrics: Type.Array(Type.String({ minLength: 1, maxLength: 120 }), {
      minItems: 1,
      maxItems: 10,
    }),
    dimensions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 3 }),
    ),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 20 })),
    granularity: Type.Optional(literals(GRANULARITIES)),
    order_by: Type.Optional(Type.String({ maxLength: 120 })),
    order_direction: Type.Optional(literals(['asc', 'desc'] as const)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    chart: Type.Optional(literals(CHARTS)),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuerySchema>;

export const ReportQueries = Type.Array(ReportQuerySchema, { minItems: 1, maxItems: 10 });

/** What a report covers and how its file is made: a definition's, adjustable per report. */
export const ReportOutputFields = {
  time_range: Type.Optional(TimeRangeSchema),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  format: Type.Optional(ReportFormatSchema),
};

/** What a definition's update may change: all but its name. */
const definitionFields = {
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  queries: ReportQueries,
  ...ReportOutputFields,
};

export const CreateReportDefinitionBody = Type.Object(
  { name: ReportName, ...definitionFields },
  { additionalProperties: false },
);
export type CreateReportDefinitionBody = Static<typeof CreateReportDefinitionBody>;

export const UpdateReportDefinitionBody = updateBody(definitionFields);
export type UpdateReportDefinitionBody = Static<typeof UpdateReportDefinitionBody>;

export const ReportDefinitionView = Type.Object({
  ...ViewEnvelope,
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  queries: Type.Array(ReportQuerySchema),
  time_range: TimeRangeSchema,
  timezone: Type.String(),
  format: ReportFormatSchema,
  available_formats: Type.Array(ReportFormatSchema),
});

export interface ReportDefinitionData {
  name: string;
  title: string;
  description: string;
  queries: ReportQuery[];
  time_range: TimeRangeInput;
  timezone: string;
  format: ReportFormat;
}
export type StoredReportDefinition = Stored<ReportDefinitionData>;

export const REPORT_DEFINITION_OBJECT = analyticsKind(
  'analytics_report_definition',
  'rpd',
  'REPORT_DEFINITION_NOT_FOUND',
  'A global report definition reads every tenant: it needs an analytics:manage key bound to no tenant.',
);

export const DEFAULT_TIME_RANGE: TimeRangeInput = { preset: 'last_7d' };

export function reportDefinitionView(
  o: StoredReportDefinition,
): Static<typeof ReportDefinitionView> {
  return {
    ...envelopeOf(o),
    ...o.data,
    available_formats: [...REPORT_FORMATS],
  };
}

/**
 * Checks what a schema cannot: metric names, filters, the zone; a time range is checked
 * when the report is made (a preset then means the period before that moment).
 */
export function checkQueries(queries: readonly ReportQuery[], field: string): void {
  for (const [i, q] of queries.entries()) {
    for (const m of q.metrics) leavesOf(m);
    if (q.order_by && q.order_by !== 'timestamp' && !q.metrics.includes(q.order_by)) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        'order_by must be timestamp or a metric the query asks for.',
        { field: `${field}[${i}].order_by` },
      );
    }
    for (const [j, f] of (q.filters ?? []).entries()) {
      checkFilter(f as QueryFilter, `${field}[${i}].filters[${j}]`);
    }
  }
}

/** Report definitions as admin objects. */
export class ReportDefinitions extends ObjectReads<ReportDefinitionData> {
  readonly repo: ObjectRepository<ReportDefinitionData>;
  protected override readonly byKey = true;

  constructor(store: ObjectStore, clock: Clock, ids: IdGenerator) {
    super();
    this.repo = new ObjectRepository(store, REPORT_DEFINITION_OBJECT, clock, ids);
  }

  async create(caller: Caller, body: CreateReportDefinitionBody): Promise<StoredReportDefinition> {
    checkQueries(body.queries, 'body.queries');
    if (body.timezone) checkTimeZone(body.timezone);
    const data: ReportDefinitionData = {
      name: body.name,
      title: body.title ?? body.name,
      description: body.description ?? '',
      queries: body.queries,
      time_range: body.time_range ?? DEFAULT_TIME_RANGE,
      timezone: body.timezone ?? 'UTC',
      format: body.format ?? 'pdf',
    };
    return this.repo.create(this.repo.targetTenant(caller, undefined), data, body.name);
  }

  async update(
    caller: Caller,
    idOrName: string,
    body: UpdateReportDefinitionBody,
  ): Promise<StoredReportDefinition> {
    if (body.queries) checkQueries(body.queries, 'body.queries');
    if (body.timezone) checkTimeZone(body.timezone);
    const found = await this.repo.resolve(caller, idOrName);
    const { version, ...change } = body;
    return this.repo.update(
      caller,
      found.id,
      (current) => ({ data: { ...current.data, ...change }, key: current.key }),
      version,
    );
  }

  async remove(caller: Caller, idOrName: string): Promise<StoredReportDefinition> {
    const found = await this.repo.resolve(caller, idOrName);
    return this.repo.remove(caller, found.id);
  }
}
