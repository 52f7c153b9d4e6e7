/**
 * A report definition as it is kept (or built in: report-builtins.ts): its queries, the
 * period they cover and the format its reports are made in by default.
 */
import type { Stored } from '../objects/repository.js';
import type { ReportParameter } from './report-parameters.js';
import type { ReportFormat, ReportQuery } from './report-query.js';
import type { TimeRangeInput } from './time.js';

export interface ReportDefinitionData {
  name: string;
  title: string;
  description: string;
  queries: ReportQuery[];
  time_range: TimeRangeInput;
  timezone: string;
  format: ReportFormat;
  /** What it reports on (built-ins); absent: `custom`. */
  category?: string;
  /** The typed parameters a report may give (built-ins); absent: none. */
  parameters?: ReportParameter[];
  /** A built-in definition (`report-builtins.ts`), never stored. */
  builtin?: boolean;
}
export type StoredReportDefinition = Stored<ReportDefinitionData>;
