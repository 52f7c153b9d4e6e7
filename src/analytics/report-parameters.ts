/**
 * Typed report parameters (the seed's ReportParameter): what a built-in definition lets a
 * report choose — its period and the filters of its sections — checked when the report is
 * generated and turned into the report's time range and its queries' filters.
 */
import { type Static, Type } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import type { QueryFilter } from './fields.js';
import type { ReportQuery } from './report-query.js';
import { literals } from './schemas.js';
import { bucketStart, nextBucket, PRESETS, type TimeRangeInput } from './time.js';

export const PARAMETER_TYPES = ['string', 'date', 'select', 'multiselect'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** A parameter as `GET /reports/definitions` shows it. */
export const ReportParameterView = Type.Object({
  name: Type.String(),
  type: literals(PARAMETER_TYPES),
  required: Type.Boolean(),
  description: Type.String(),
  options: Type.Optional(Type.Array(Type.String())),
  default_value: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});
export type ReportParameterView = Static<typeof ReportParameterView>;

/** A parameter's value as a request gives it: text, or a list for a multiselect. */
export type ParameterValue = string | string[];
export type ParameterValues = Record<string, ParameterValue>;

/** `POST /reports` `parameters`: name → value (a multiselect also takes `a,b`). */
export const ParametersBody = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Union([
    Type.String({ maxLength: 1000 }),
    Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
  ]),
  { description: "Values of the definition's parameters (see its `parameters`)." },
);

/** A parameter of a built-in definition, with what it does to the report. */
export interface ReportParameter extends ReportParameterView {
  /**
   * The event field the value filters (`eq` for one value, `in` for a multiselect); absent
   * for the period parameters, which set the report's time range instead.
   */
  field?: string;
  /** The sections (by index) the filter applies to; absent: every section. */
  sections?: readonly number[];
}

/** The parameters that choose the period; every built-in definition has them. */
export const PERIOD_PARAMETERS: readonly ReportParameter[] = [
  {
    name: 'period',
    type: 'select',
    required: false,
    description: 'The period ending with the current day (last_24h: hour); or give start_date.',
    options: Object.keys(PRESETS),
    default_value: 'last_7d',
  },
  {
    name: 'start_date',
    type: 'date',
    required: false,
    description: 'The first day (YYYY-MM-DD, in the time zone) or instant; with end_date.',
  },
  {
    name: 'end_date',
    type: 'date',
    required: false,
    description: 'The last day, included (YYYY-MM-DD), or the instant the period ends.',
  },
];

/** The view of a parameter: its internals left out. */
export function parameterView(p: ReportParameter): ReportParameterView {
  const { field: _f, sections: _s, ...view } = p;
  return view;
}

const invalid = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  new NotifydError('INVALID_REPORT_PARAMETER', message, { parameter: name, ...extra });

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One value, checked against its parameter; a multiselect's is a list. */
function checkValue(p: ReportParameter, raw: ParameterValue): ParameterValue {
  if (p.type === 'multiselect') {
    const list = (Array.isArray(raw) ? raw : raw.split(',')).map((v) => v.trim()).filter(Boolean);
    if (list.length === 0) throw invalid(p.name, `Parameter ${p.name} needs at least one value.`);
    const bad = p.options ? list.find((v) => !p.options!.includes(v)) : undefined;
    if (bad !== undefined) {
      throw invalid(p.name, `Parameter ${p.name} cannot be ${JSON.stringify(bad)}.`, {
        options: p.options,
      });
    }
    return [...new Set(list)];
  }
  if (Array.isArray(raw)) throw invalid(p.name, `Parameter ${p.name} takes one value.`);
  const value = raw.trim();
  if (value === '') throw invalid(p.name, `Parameter ${p.name} is empty.`);
  if (p.type === 'select' && p.options && !p.options.includes(value)) {
    throw invalid(
      p.name,
      `Parameter ${p.name} must be one of ${p.options.join(', ')}, not ${JSON.stringify(value)}.`,
      { options: p.options },
    );
  }
  if (p.type === 'date' && (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))) {
    throw invalid(
      p.name,
      `Parameter ${p.name} must be a date (YYYY-MM-DD) or an ISO 8601 time, not ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/**
 * The values a report runs with: each given one checked (an unknown name or a bad value is
 * 400 INVALID_REPORT_PARAMETER naming it), required ones present, defaults filled in.
 */
export function checkParameters(
  params: readonly ReportParameter[],
  given: ParameterValues,
): ParameterValues {
  const byName = new Map(params.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) {
      throw invalid(
        name,
        params.length
          ? `Unknown parameter ${name}; this definition takes ${params.map((p) => p.name).join(', ')}.`
          : `Unknown parameter ${name}; this definition takes none.`,
      );
    }
  }
  const out: ParameterValues = {};
  for (const p of params) {
    const raw = given[p.name];
    if (raw !== undefined) out[p.name] = checkValue(p, raw);
    else if (p.required) throw invalid(p.name, `Parameter ${p.name} is required.`);
  }
  if (Boolean(out.start_date) !== Boolean(out.end_date)) {
    throw invalid(
      out.start_date ? 'end_date' : 'start_date',
      'start_date and end_date go together.',
    );
  }
  if (out.start_date && out.period) {
    throw invalid('period', 'Give period or start_date and end_date, not both.');
  }
  return out;
}

/** Midnight starting a calendar day in a zone (noon UTC of the date lies in that day). */
const dayStart = (date: string, tz: string) =>
  bucketStart(Date.parse(`${date}T12:00:00Z`), 'day', tz);

/**
 * The time range the period parameters ask for, or undefined when none is given. Dates are
 * whole days in the report's time zone, end_date included.
 */
export function periodRange(values: ParameterValues, tz: string): TimeRangeInput | undefined {
  const start = values.start_date as string | undefined;
  const end = values.end_date as string | undefined;
  if (start && end) {
    const from = DATE.test(start) ? dayStart(start, tz) : Date.parse(start);
    const to = DATE.test(end) ? nextBucket(dayStart(end, tz), 'day', tz) : Date.parse(end);
    if (from >= to) throw invalid('end_date', 'end_date must not be before start_date.');
    return { start: new Date(from).toISOString(), end: new Date(to).toISOString() };
  }
  if (values.period) return { preset: values.period as keyof typeof PRESETS };
  return undefined;
}

/** The queries with the filters the values ask for, each on the sections it applies to. */
export function filteredQueries(
  queries: readonly ReportQuery[],
  params: readonly ReportParameter[],
  values: ParameterValues,
): ReportQuery[] {
  return queries.map((q, i) => {
    const extra: QueryFilter[] = [];
    for (const p of params) {
      const v = values[p.name];
      if (v === undefined || !p.field || (p.sections && !p.sections.includes(i))) continue;
      extra.push(
        Array.isArray(v)
          ? { field: p.field, operator: 'in', value: v }
          : { field: p.field, operator: 'eq', value: v },
      );
    }
    return extra.length ? { ...q, filters: [...(q.filters ?? []), ...extra] } : q;
  });
}
