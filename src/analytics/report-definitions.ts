/**
 * Report definitions: a named set of analytics queries (each one a section of the report),
 * the time range preset they cover and the format the report is made in by default. They
 * are tenant-scoped admin objects, like funnels.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { ObjectRepository, type Page } from '../objects/repository.js';
import { envelopeOf, type ListQuery, updateBody, ViewEnvelope } from '../objects/schemas.js';
import { ObjectReads } from '../objects/service.js';
import { type Caller, listedTenants } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import { checkFilter, type QueryFilter } from './fields.js';
import { analyticsKind } from './kinds.js';
import { leavesOf } from './metrics.js';
import { BUILTIN_DEFINITIONS, builtinDefinition } from './report-builtins.js';
import type { ReportDefinitionData, StoredReportDefinition } from './report-definition-data.js';
import { parameterView, ReportParameterView } from './report-parameters.js';
import {
  REPORT_FORMATS,
  ReportFormatSchema,
  ReportName,
  ReportQueries,
  type ReportQuery,
  ReportQuerySchema,
} from './report-query.js';
import { TimeRangeSchema } from './schemas.js';
import { checkTimeZone, type TimeRangeInput } from './time.js';

/** A definition named in a body: its id or name, `description` saying how. */
const DefinitionName = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 128, description }));

/**
 * How a body names a definition: `definition`, or the seed's `report_definition_id`, which
 * means the same (`ReportDefinitions.asked` reads them).
 */
export function definitionRef(description: string) {
  return {
    definition: DefinitionName(description),
    report_definition_id: DefinitionName(
      'The same as `definition` (the seed’s name for it); given both, they must name one definition.',
    ),
  };
}

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
  category: Type.String({
    description: 'What it reports on; `custom` for definitions people made.',
  }),
  parameters: Type.Array(ReportParameterView, {
    description: 'What `POST /reports` may give in `parameters` (built-in definitions).',
  }),
  builtin: Type.Boolean({ description: 'Built into notifyd: read-only, its id its name.' }),
});

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
  const { category, parameters, builtin, ...data } = o.data;
  return {
    ...envelopeOf(o),
    ...data,
    available_formats: [...REPORT_FORMATS],
    category: category ?? 'custom',
    parameters: (parameters ?? []).map(parameterView),
    builtin: builtin ?? false,
  };
}

/** 409 for a change to a built-in definition. */
function readOnly(name: string): NotifydError {
  return new NotifydError(
    'REPORT_DEFINITION_READ_ONLY',
    `${name} is a built-in report definition: it cannot be changed or deleted. Create your own under another name.`,
    { id: name },
  );
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

/**
 * Report definitions as admin objects, with the built-in ones served beside them: listed
 * first, read by their name, never changed or deleted, and no stored one takes their name.
 */
export class ReportDefinitions extends ObjectReads<ReportDefinitionData> {
  readonly repo: ObjectRepository<ReportDefinitionData>;
  protected override readonly byKey = true;

  constructor(store: ObjectStore, clock: Clock, ids: IdGenerator) {
    super();
    this.repo = new ObjectRepository(store, REPORT_DEFINITION_OBJECT, clock, ids);
  }

  override async list(caller: Caller, query: ListQuery): Promise<Page<StoredReportDefinition>> {
    const page = query.page ?? 1;
    const perPage = query.per_page ?? 50;
    const offset = (page - 1) * perPage;
    const own = await this.repo.all(listedTenants(REPORT_DEFINITION_OBJECT, caller, query.scope));
    const all = [...BUILTIN_DEFINITIONS, ...own];
    return {
      items: all.slice(offset, offset + perPage),
      page,
      per_page: perPage,
      total: all.length,
    };
  }

  override async get(caller: Caller, idOrName: string): Promise<StoredReportDefinition> {
    return builtinDefinition(idOrName) ?? super.get(caller, idOrName);
  }

  /**
   * The definition a body names by `definition` or by the seed's `report_definition_id`,
   * which mean the same (an id or a name); null when it names none. Both given must name one
   * definition (one may be its id, the other its name), else 400 VALIDATION_ERROR.
   */
  async asked(
    caller: Caller,
    body: { definition?: string; report_definition_id?: string },
  ): Promise<StoredReportDefinition | null> {
    const { definition, report_definition_id: other } = body;
    const asked = definition ?? other;
    if (asked === undefined) return null;
    const def = await this.get(caller, asked);
    if (other !== undefined && other !== asked && (await this.get(caller, other)).id !== def.id) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        'definition and report_definition_id name different definitions: give one.',
        { field: 'body.report_definition_id' },
      );
    }
    return def;
  }

  async create(caller: Caller, body: CreateReportDefinitionBody): Promise<StoredReportDefinition> {
    if (builtinDefinition(body.name)) {
      throw new NotifydError(
        'ALREADY_EXISTS',
        `${body.name} is the name of a built-in report definition; choose another.`,
        { kind: REPORT_DEFINITION_OBJECT.kind, key: body.name },
      );
    }
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
    if (builtinDefinition(idOrName)) throw readOnly(idOrName);
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
    if (builtinDefinition(idOrName)) throw readOnly(idOrName);
    const found = await this.repo.resolve(caller, idOrName);
    return this.repo.remove(caller, found.id);
  }
}
