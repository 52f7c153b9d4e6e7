/**
 * One section of a report as a definition or a report names it: an analytics query without
 * its time range, the chart it is drawn as, and the formats a report's file comes in.
 */
import { type Static, Type } from '@sinclair/typebox';
import { literals, QueryOrderFields, queryFields } from './schemas.js';
import { GRANULARITIES } from './time.js';

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
    ...queryFields({ metrics: 10, dimensions: 3 }),
    granularity: Type.Optional(literals(GRANULARITIES)),
    ...QueryOrderFields,
    chart: Type.Optional(literals(CHARTS)),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuerySchema>;

export const ReportQueries = Type.Array(ReportQuerySchema, { minItems: 1, maxItems: 10 });
