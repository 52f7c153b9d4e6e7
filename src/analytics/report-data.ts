/**
 * A generated report as it is stored: the rows of its sections and what they were made with.
 * Every format (report-render.ts, report-pdf.ts) is made from it on download.
 */
import type { DataPoint } from './query.js';
import type { ParameterValues } from './report-parameters.js';
import type { Chart, ReportFormat } from './report-query.js';
import type { Granularity, TimeRangeInput } from './time.js';

export const REPORT_STATUSES = ['completed', 'failed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** One section as stored: its query and the rows it answered. */
export interface ReportSection {
  title: string;
  metrics: string[];
  dimensions: string[];
  granularity: Granularity | null;
  chart: Chart;
  rows: DataPoint[];
  total_count: number;
  /** More rows matched than were kept (`limit`, `analytics.reports.max_rows`). */
  truncated: boolean;
}

export interface ReportData {
  title: string;
  description: string;
  definition_id: string | null;
  definition_name: string | null;
  schedule_id: string | null;
  /** The tenant the queries read; null: every tenant. */
  scope: string | null;
  format: ReportFormat;
  status: ReportStatus;
  time_range: TimeRangeInput;
  timezone: string;
  /** The definition's parameters the report was made with (absent in older reports). */
  parameters?: ParameterValues;
  period_start: number | null;
  period_end: number | null;
  sections: ReportSection[];
  error_code: string | null;
  error_message: string | null;
  completed_at: number;
  expires_at: number | null;
  /** The size of the file in the report's own format. */
  file_size_bytes: number | null;
}
