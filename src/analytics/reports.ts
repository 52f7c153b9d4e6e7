/**
 * Generated reports: the answers of a definition's queries (or of queries given inline) over
 * one period, kept as an admin object and rendered as CSV, JSON or PDF when downloaded.
 *
 * What is stored is the data, not the file: every format is made from the same rows on
 * download, the object store holds it on every backend (so any node serves the download),
 * and its size is bounded (`analytics.reports.max_rows` per section, `max_bytes` in all).
 * Generation runs inside the request: at most ten bounded queries, each under the query
 * timeout, so a queue would add a state to watch without saving any work.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { NotifydError, toNotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import { ObjectRepository, type Page, type Stored } from '../objects/repository.js';
import { ListQuery } from '../objects/schemas.js';
import type { Caller } from '../objects/tenancy.js';
import { viewFields } from '../objects/view.js';
import type { ObjectStore } from '../store/types.js';
import { analyticsKind } from './kinds.js';
import type { QueryEngine } from './query.js';
import { REPORT_STATUSES, type ReportData, type ReportSection } from './report-data.js';
import type { StoredReportDefinition } from './report-definition-data.js';
import {
  checkQueries,
  DEFAULT_TIME_RANGE,
  definitionRef,
  type ReportDefinitions,
  ReportOutputFields,
} from './report-definitions.js';
import {
  checkParameters,
  filteredQueries,
  ParametersBody,
  type ParameterValues,
  periodRange,
} from './report-parameters.js';
import {
  REPORT_FORMATS,
  type ReportFormat,
  ReportFormatSchema,
  ReportQueries,
  type ReportQuery,
} from './report-query.js';
import { render } from './report-render.js';
import { literals, Nullable, TimeRangeSchema } from './schemas.js';
import { checkTimeZone, iso, isoOrNull, resolveRange, type TimeRangeInput } from './time.js';

/**
 * `POST /reports`: a definition (id or name), or queries inline; either may be adjusted. The
 * definition goes by `definition` or by the seed's `report_definition_id`, which mean the same.
 */
export const GenerateReportBody = Type.Object(
  {
    ...definitionRef('The definition: its id or name.'),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    queries: Type.Optional(ReportQueries),
    parameters: Type.Optional(ParametersBody),
    ...ReportOutputFields,
  },
  { additionalProperties: false },
);
export type GenerateReportBody = Static<typeof GenerateReportBody>;

export const ReportListQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(literals(REPORT_STATUSES)),
    definition: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type ReportListQuery = Static<typeof ReportListQuery>;

export const DownloadQuery = Type.Object(
  { format: Type.Optional(ReportFormatSchema) },
  { additionalProperties: false },
);

export type StoredReport = Stored<ReportData>;

export const REPORT_OBJECT = analyticsKind(
  'analytics_report',
  'rpt',
  'REPORT_NOT_FOUND',
  'A report of every tenant needs an analytics:manage key bound to no tenant.',
);

const report = viewFields<ReportData>();
export const { schema: ReportView, toView: reportView } = report.view({
  title: Type.String(),
  description: Type.String(),
  report_definition_id: report.made(Nullable(Type.String()), (d) => d.definition_id),
  definition: report.made(
    Type.Union([Type.String(), Type.Null()], {
      description: 'The same as `report_definition_id`, by the name `POST /reports` takes it.',
    }),
    (d) => d.definition_id,
  ),
  report_definition_name: report.made(Nullable(Type.String()), (d) => d.definition_name),
  schedule_id: Nullable(Type.String()),
  status: literals(REPORT_STATUSES),
  format: ReportFormatSchema,
  available_formats: report.made(Type.Array(ReportFormatSchema), () => [...REPORT_FORMATS]),
  parameters: report.made(
    Type.Object(
      { time_range: TimeRangeSchema, timezone: Type.String() },
      {
        additionalProperties: Type.Union([Type.String(), Type.Array(Type.String())]),
        description: "The period, the time zone and the values of the definition's parameters.",
      },
    ),
    (d) => ({ ...d.parameters, time_range: d.time_range, timezone: d.timezone }),
  ),
  period: report.made(
    Type.Union([
      Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String() }),
      Type.Null(),
    ]),
    (d) =>
      d.period_start === null || d.period_end === null
        ? null
        : { start: iso(d.period_start), end: iso(d.period_end) },
  ),
  sections: report.made(
    Type.Array(
      Type.Object({
        title: Type.String(),
        metrics: Type.Array(Type.String()),
        dimensions: Type.Array(Type.String()),
        rows: Type.Integer(),
        total_count: Type.Integer(),
        truncated: Type.Boolean(),
      }),
    ),
    (d) =>
      d.sections.map((s) => ({
        title: s.title,
        metrics: s.metrics,
        dimensions: s.dimensions,
        rows: s.rows.length,
        total_count: s.total_count,
        truncated: s.truncated,
      })),
  ),
  file_size_bytes: Type.Union([Type.Integer(), Type.Null()]),
  download_url: report.made(Nullable(Type.String()), (d, o) =>
    d.status === 'completed' ? `/api/v1/reports/${o.id}/download` : null,
  ),
  expires_at: report.made(Nullable(Type.String({ format: 'date-time' })), (d) =>
    isoOrNull(d.expires_at),
  ),
  completed_at: report.made(Type.String({ format: 'date-time' }), (d) => iso(d.completed_at)),
  error_code: Nullable(Type.String()),
  error_message: Nullable(Type.String()),
});
export type ReportViewT = Static<typeof ReportView>;

/** What a report is made from, once the definition and the request are merged. */
export interface ReportSpec {
  title: string;
  description: string;
  definition: StoredReportDefinition | null;
  queries: ReportQuery[];
  time_range: TimeRangeInput;
  timezone: string;
  format: ReportFormat;
  /** The definition's parameters, checked (none when absent). */
  parameters?: ParameterValues;
}

export interface ReportsOptions {
  ttlMs: number;
  maxRows: number;
  maxBytes: number;
  /** A TrueType font to embed in PDFs; null: the PDF's built-in Helvetica. */
  font: string | null;
}

/** A file to download. */
export interface ReportFile {
  body: string | Buffer;
  contentType: string;
  filename: string;
}

export type ReportEvents = EventSink<'analytics.report.generated' | 'analytics.report.failed'>;

/** The period a report covers: a preset ends with the current day (the hour for last_24h). */
export function periodOf(
  range: TimeRangeInput,
  now: number,
  tz: string,
): { from: number; to: number } {
  return resolveRange(range, now, range.preset === 'last_24h' ? 'hour' : 'day', tz);
}

/** Generated reports: made, listed, downloaded, and forgotten after they expire. */
export class Reports {
  readonly repo: ObjectRepository<ReportData>;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly engine: QueryEngine,
    private readonly definitions: ReportDefinitions,
    private readonly emit: ReportEvents,
    readonly options: ReportsOptions,
  ) {
    this.repo = new ObjectRepository(store, REPORT_OBJECT, clock, ids);
  }

  /** What `POST /reports` asks for, checked: a 4xx here stores nothing. */
  async specOf(caller: Caller, body: GenerateReportBody): Promise<ReportSpec> {
    const asked = body.definition ?? body.report_definition_id;
    if ((asked === undefined) === (body.queries === undefined)) {
      throw new NotifydError('VALIDATION_ERROR', 'Give a definition or queries, not both.', {
        field: 'body.definition',
      });
    }
    const def = await this.definitions.asked(caller, body);
    const params = def?.data.parameters ?? [];
    const values = checkParameters(params, body.parameters ?? {});
    const timezone = body.timezone ?? def?.data.timezone ?? 'UTC';
    checkTimeZone(timezone);
    const period = periodRange(values, timezone);
    if (period && body.time_range) {
      throw new NotifydError(
        'INVALID_REPORT_PARAMETER',
        'Give time_range or the period parameters (period, start_date, end_date), not both.',
        { parameter: values.period ? 'period' : 'start_date' },
      );
    }
    const spec: ReportSpec = {
      title: body.title ?? def?.data.title ?? 'Report',
      description: def?.data.description ?? '',
      definition: def,
      queries: body.queries ?? filteredQueries(def!.data.queries, params, values),
      time_range: body.time_range ?? period ?? def?.data.time_range ?? DEFAULT_TIME_RANGE,
      timezone,
      format: body.format ?? def?.data.format ?? 'pdf',
      parameters: values,
    };
    if (body.queries) checkQueries(body.queries, 'body.queries');
    periodOf(spec.time_range, this.clock.now(), spec.timezone);
    return spec;
  }

  /** Generates a report for a caller (its tenant, or every tenant for an unbound key). */
  async generate(caller: Caller, body: GenerateReportBody): Promise<StoredReport> {
    const spec = await this.specOf(caller, body);
    return this.make(spec, caller.tenant_id, caller.tenant_bound ? caller.tenant_id : null, null);
  }

  /**
   * Runs the queries and stores the report in `tenant`, reading `scope` (null: every
   * tenant). A failure is stored as a failed report (and `analytics.report.failed`).
   */
  async make(
    spec: ReportSpec,
    tenant: string | null,
    scope: string | null,
    scheduleId: string | null,
  ): Promise<StoredReport> {
    const now = this.clock.now();
    const base: ReportData = {
      title: spec.title,
      description: spec.description,
      definition_id: spec.definition?.id ?? null,
      definition_name: spec.definition?.data.name ?? null,
      schedule_id: scheduleId,
      scope,
      format: spec.format,
      status: 'completed',
      time_range: spec.time_range,
      timezone: spec.timezone,
      parameters: spec.parameters ?? {},
      period_start: null,
      period_end: null,
      sections: [],
      error_code: null,
      error_message: null,
      completed_at: now,
      expires_at: now + this.options.ttlMs,
      file_size_bytes: null,
    };
    let data: ReportData;
    try {
      const { from, to } = periodOf(spec.time_range, now, spec.timezone);
      data = { ...base, period_start: from, period_end: to };
      for (const q of spec.queries) data.sections.push(await this.section(q, data, scope));
      const size = Buffer.byteLength(JSON.stringify(data.sections));
      if (size > this.options.maxBytes) {
        throw new NotifydError(
          'REPORT_GENERATION_FAILED',
          `The report's data (${size} bytes) is larger than analytics.reports.max_bytes (${this.options.maxBytes}); narrow its queries.`,
        );
      }
      const file = await render(data, spec.format, this.options.font);
      data.file_size_bytes = Buffer.byteLength(file.body);
    } catch (err) {
      const e = toNotifydError(err);
      data = {
        ...base,
        status: 'failed',
        error_code: e.code,
        error_message: e.message,
        expires_at: null,
      };
    }
    const stored = await this.repo.create(tenant, data, null);
    if (data.status === 'completed') {
      this.emit('analytics.report.generated', tenant, {
        report_id: stored.id,
        report_definition_id: data.definition_id,
        schedule_id: scheduleId,
        title: data.title,
        format: data.format,
        period_start: iso(data.period_start!),
        period_end: iso(data.period_end!),
        file_size_bytes: data.file_size_bytes!,
      });
    } else {
      this.emit('analytics.report.failed', tenant, {
        report_id: stored.id,
        report_definition_id: data.definition_id,
        schedule_id: scheduleId,
        title: data.title,
        error_code: data.error_code!,
        error_message: data.error_message!,
      });
    }
    return stored;
  }

  private async section(q: ReportQuery, d: ReportData, scope: string | null) {
    const limit = Math.min(q.limit ?? this.options.maxRows, this.options.maxRows);
    const { chart, title, limit: _, ...query } = q;
    const result = await this.engine.run(scope, {
      ...query,
      time_range: { start: iso(d.period_start!), end: iso(d.period_end!) },
      timezone: d.timezone,
      limit,
    });
    const granularity = q.granularity ?? null;
    return {
      title,
      metrics: q.metrics,
      dimensions: q.dimensions ?? [],
      granularity,
      chart: chart ?? (granularity ? 'line' : 'bar'),
      rows: result.data,
      total_count: result.total_count,
      truncated: result.total_count > result.data.length,
    } satisfies ReportSection;
  }

  list(caller: Caller, q: ReportListQuery): Promise<Page<StoredReport>> {
    const { status, definition, ...page } = q;
    if (!status && !definition) return this.repo.list(caller, page);
    return this.repo.list(
      caller,
      page,
      (o) =>
        (!status || o.data.status === status) &&
        (!definition ||
          o.data.definition_id === definition ||
          o.data.definition_name === definition),
    );
  }

  get(caller: Caller, id: string): Promise<StoredReport> {
    return this.repo.get(caller, id);
  }

  async remove(caller: Caller, id: string): Promise<StoredReport> {
    return this.repo.remove(caller, id);
  }

  /** The report as a file: 409 when it failed, 410 once it expired. */
  async download(caller: Caller, id: string, format?: ReportFormat): Promise<ReportFile> {
    const report = await this.repo.get(caller, id);
    return this.fileOf(report, format);
  }

  /** The time now, as reports see it. */
  now(): number {
    return this.clock.now();
  }

  /** A report's file by id alone, for a signed link (checked before): 404 when it is gone. */
  async fileById(id: string, format?: ReportFormat): Promise<ReportFile> {
    const report = (await this.store.get(REPORT_OBJECT.kind, id)) as StoredReport | null;
    if (!report) throw new NotifydError('REPORT_NOT_FOUND', undefined, { id });
    return this.fileOf(report, format);
  }

  async fileOf(report: StoredReport, format?: ReportFormat): Promise<ReportFile> {
    const d = report.data;
    if (d.status !== 'completed') {
      throw new NotifydError('REPORT_NOT_READY', `The report failed: ${d.error_message}`, {
        id: report.id,
        status: d.status,
      });
    }
    if (d.expires_at !== null && d.expires_at <= this.clock.now()) {
      throw new NotifydError('REPORT_EXPIRED', undefined, {
        id: report.id,
        expired_at: iso(d.expires_at),
      });
    }
    const file = await render(d, format ?? d.format, this.options.font);
    return { ...file, filename: `${report.id}.${format ?? d.format}` };
  }

  /**
   * Deletes reports a whole TTL past their expiry (until then a download says 410, not
   * 404) and failed ones as old; answers how many went.
   */
  async purge(): Promise<number> {
    const now = this.clock.now();
    let n = 0;
    for (const r of await this.repo.all()) {
      const end = r.data.expires_at ?? r.data.completed_at + this.options.ttlMs;
      if (end + this.options.ttlMs <= now) {
        await this.repo.discard(r.id);
        n++;
      }
    }
    return n;
  }
}
