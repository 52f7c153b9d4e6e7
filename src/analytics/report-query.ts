/**
 * One section of a report as a definition or a report names it: an analytics query without
 * its time range, the chart it is drawn as, and the formats a report's file comes in.
 */
import { type Static, Type } from '@sinclair/typebox';
import { FilterSchema } from './schemas.js';
import { GRANULARITIES } from './time.js';

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
