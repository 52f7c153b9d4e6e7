/** A generated report as a file: CSV (one table, a row per data point), JSON, or PDF. */

import type { ReportData, ReportSection } from './report-data.js';
import type { ReportFormat } from './report-query.js';
import { iso, isoOrNull } from './time.js';

/** What a file is made of, besides its name. */
export interface RenderedFile {
  body: string | Buffer;
  contentType: string;
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; text a
 * spreadsheet would run as a formula gets a leading `'` (numbers are written as they are).
 */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Distinct values in first-seen order. */
const union = (lists: string[][]) => [...new Set(lists.flat())];

/**
 * Every section in one table: `section, timestamp`, then every dimension and metric any
 * section has (empty where a section has not that column). One header, so it parses.
 */
export function reportCsv(sections: readonly ReportSection[]): string {
  const dims = union(sections.map((s) => s.dimensions));
  const metrics = union(sections.map((s) => s.metrics));
  const lines = [['section', 'timestamp', ...dims, ...metrics].map(cell).join(',')];
  for (const s of sections) {
    for (const r of s.rows) {
      lines.push(
        [
          s.title,
          r.timestamp,
          ...dims.map((d) => r.dimensions[d]),
          ...metrics.map((m) => r.values[m]),
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The report's data as one JSON document. */
export function reportJson(d: ReportData): string {
  return `${JSON.stringify(
    {
      title: d.title,
      description: d.description,
      report_definition_id: d.definition_id,
      period: { start: isoOrNull(d.period_start), end: isoOrNull(d.period_end) },
      parameters: { ...d.parameters, time_range: d.time_range, timezone: d.timezone },
      generated_at: iso(d.completed_at),
      sections: d.sections,
    },
    null,
    2,
  )}\n`;
}

/** The report in a format. PDF loads pdfkit on first use (idle memory matters). */
export async function render(
  d: ReportData,
  format: ReportFormat,
  font: string | null,
): Promise<RenderedFile> {
  if (format === 'csv') {
    return { body: reportCsv(d.sections), contentType: 'text/csv; charset=utf-8' };
  }
  if (format === 'json') return { body: reportJson(d), contentType: 'application/json' };
  const { reportPdf } = await import('./report-pdf.js');
  return { body: await reportPdf(d, font), contentType: 'application/pdf' };
}
