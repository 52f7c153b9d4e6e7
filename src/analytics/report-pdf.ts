/**
 * A generated report as a PDF a manager can read: title, period and parameters, then per
 * section its totals, a chart (bars, or lines over time, drawn with PDF vector operations)
 * and its table, which goes on over as many pages as it needs with its header repeated.
 * pdfkit is imported here only, and this module only on the first PDF (idle memory).
 */
import { existsSync } from 'node:fs';
import { metricOf } from './metrics.js';
import type { DataPoint } from './query.js';
import type { ReportData, ReportSection } from './report-data.js';

type Doc = PDFKit.PDFDocument;

const MARGIN = 50;
const FOOTER = 20;
const ROW_H = 16;
const CHART_H = 150;
const MAX_BARS = 24;
const MAX_SERIES = 6;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];

/** The TrueType files tried, in order, when `analytics.reports.pdf_font` is `auto`. */
export const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

/** The font a PDF embeds: the one configured, the first installed for `auto`, or none. */
export function resolveFont(option: string): string | null {
  if (option === '') return null;
  if (option !== 'auto') return option;
  return FONT_CANDIDATES.find((f) => existsSync(f)) ?? null;
}

/** The bold face beside a regular one (`X.ttf` → `X-Bold.ttf`, `X-Regular.ttf` → `X-Bold.ttf`). */
export function boldOf(font: string): string {
  const bold = font.replace(/(-Regular)?\.ttf$/i, '-Bold.ttf');
  return bold !== font && existsSync(bold) ? bold : font;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as wall-clock text in a zone: a date, with the time when `time`. */
export function wallClock(ms: number, tz: string, time: boolean): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${pad(Number(parts.month))}-${pad(Number(parts.day))}`;
  return time ? `${date} ${pad(Number(parts.hour))}:${parts.minute}` : date;
}

/** Shown for a ratio with nothing to divide by (no delivery sent): no figure, not 0%. */
export const NO_VALUE = '—';

/**
 * A figure as a reader wants it: a ratio as a percentage, a count with thousands grouped,
 * a ratio over nothing (null) as a dash.
 */
function shown(metric: string, v: number | null | undefined): string {
  if (v === undefined) return '';
  if (v === null) return NO_VALUE;
  let ratio = false;
  try {
    ratio = metricOf(metric).kind === 'ratio';
  } catch {}
  if (ratio) return `${(v * 100).toFixed(1)}%`;
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2);
}

/** A row's label: its dimension values, else its bucket. */
function labelOf(s: ReportSection, r: DataPoint, tz: string): string {
  const dims = s.dimensions.map((d) => r.dimensions[d]).join(' / ');
  return dims || when(s, r, tz);
}

function when(s: ReportSection, r: DataPoint, tz: string): string {
  return wallClock(Date.parse(r.timestamp), tz, s.granularity === 'hour');
}

/** Sums of the count metrics of a section (ratios and distinct counts do not add up). */
export function totals(s: ReportSection): Array<[string, number]> {
  return s.metrics
    .filter((m) => metricOf(m).kind === 'count')
    .map((m) => [m, s.rows.reduce((sum, r) => sum + (r.values[m] ?? 0), 0)]);
}

export async function reportPdf(d: ReportData, font: string | null): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN },
    bufferPages: true,
    info: {
      Title: d.title,
      Creator: 'notifyd',
      Producer: 'notifyd',
      CreationDate: new Date(d.completed_at),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  if (font) {
    doc.registerFont('body', font);
    doc.registerFont('bold', boldOf(font));
  }
  const f = font ? { body: 'body', bold: 'bold' } : { body: 'Helvetica', bold: 'Helvetica-Bold' };
  const tz = d.timezone;
  const width = doc.page.width - 2 * MARGIN;

  doc.font(f.bold).fontSize(20).fillColor('#111827').text(d.title);
  doc.moveDown(0.3);
  doc.font(f.body).fontSize(10).fillColor('#374151');
  const hourly = (d.period_end! - d.period_start!) % 86_400_000 !== 0;
  doc.text(
    `Period: ${wallClock(d.period_start!, tz, hourly)} to ${wallClock(d.period_end!, tz, hourly)} (${tz}, end excluded)`,
  );
  const p = d.parameters ?? {};
  const range = p.start_date
    ? `${p.start_date} to ${p.end_date}`
    : d.time_range.preset && d.time_range.preset !== 'custom'
      ? d.time_range.preset
      : 'custom';
  // The period parameters are the time range above.
  const chosen = Object.entries(p)
    .filter(([k]) => !['period', 'start_date', 'end_date'].includes(k))
    .map(([k, v]) => `, ${k} ${Array.isArray(v) ? v.join(' + ') : v}`);
  doc.text(`Parameters: time range ${range}, time zone ${tz}${chosen.join('')}`);
  doc.text(`Generated: ${wallClock(d.completed_at, 'UTC', true)} UTC`);
  if (d.description) doc.moveDown(0.5).text(d.description);

  for (const s of d.sections) {
    doc.moveDown(1.2);
    // The heading stays with its chart (or the table's first rows).
    space(doc, s.chart !== 'none' && s.rows.length ? CHART_H + 110 : 80);
    doc.font(f.bold).fontSize(14).fillColor('#111827').text(s.title, MARGIN);
    doc.font(f.body).fontSize(9).fillColor('#374151');
    const sums = figures(s) ? [] : totals(s);
    if (sums.length) doc.text(`Totals: ${sums.map(([m, v]) => `${m} ${shown(m, v)}`).join(' · ')}`);
    if (s.rows.length === 0) {
      doc.text('No data in this period.');
      continue;
    }
    if (s.chart !== 'none') {
      doc.moveDown(1);
      if (s.chart === 'line') lineChart(doc, s, f.body, width, tz);
      else barChart(doc, s, f.body, width, tz);
    }
    doc.moveDown(0.5);
    table(doc, s, f, width, tz);
    if (s.truncated) {
      doc.font(f.body).fontSize(8).fillColor('#6b7280');
      doc.text(`Showing ${s.rows.length} of ${s.total_count} rows.`, MARGIN);
    }
  }

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(f.body).fontSize(8).fillColor('#6b7280');
    doc.text(`${d.title} · page ${i + 1} of ${pages.count}`, MARGIN, doc.page.height - MARGIN, {
      width,
      align: 'center',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

/** A new page unless `h` points fit above the footer. */
function space(doc: Doc, h: number): void {
  if (doc.y + h > doc.page.height - MARGIN - FOOTER) doc.addPage();
}

/** Axes, the top value and zero; answers the plot's box. */
function axes(doc: Doc, font: string, width: number, max: number) {
  const x = MARGIN + 40;
  const y = doc.y;
  const w = width - 40;
  const h = CHART_H;
  doc.save().lineWidth(0.5).strokeColor('#9ca3af');
  doc
    .moveTo(x, y)
    .lineTo(x, y + h)
    .lineTo(x + w, y + h)
    .stroke();
  doc
    .moveTo(x, y)
    .lineTo(x + w, y)
    .dash(2, { space: 2 })
    .stroke()
    .undash();
  doc.restore();
  doc.font(font).fontSize(7).fillColor('#6b7280');
  doc.text(String(max), MARGIN, y - 3, { width: 36, align: 'right', lineBreak: false });
  doc.text('0', MARGIN, y + h - 3, { width: 36, align: 'right', lineBreak: false });
  return { x, y, w, h };
}

/** Bars of the first metric, one per row (at most MAX_BARS). */
function barChart(doc: Doc, s: ReportSection, font: string, width: number, tz: string): void {
  const m = s.metrics[0]!;
  const rows = s.rows.slice(0, MAX_BARS);
  // A ratio with no value draws no bar, labelled with a dash.
  const values = rows.map((r) => r.values[m] ?? null);
  const top = Math.max(0, ...values.map((v) => v ?? 0));
  const max = top || 1;
  const box = axes(doc, font, width, top);
  const slot = box.w / rows.length;
  const bar = Math.min(40, slot * 0.7);
  for (const [i, r] of rows.entries()) {
    const v = values[i] ?? null;
    const h = ((v ?? 0) / max) * (box.h - 12);
    const x = box.x + i * slot + (slot - bar) / 2;
    doc.rect(x, box.y + box.h - h, bar, h).fill(COLORS[0]!);
    doc.fillColor('#111827').fontSize(7);
    doc.text(v === null ? NO_VALUE : String(v), box.x + i * slot, box.y + box.h - h - 9, {
      width: slot,
      align: 'center',
      lineBreak: false,
    });
    doc.fillColor('#374151');
    doc.text(labelOf(s, r, tz), box.x + i * slot, box.y + box.h + 3, {
      width: slot,
      align: 'center',
      lineBreak: false,
      ellipsis: true,
      height: 9,
    });
  }
  caption(doc, box, font, `${m}${s.rows.length > MAX_BARS ? ` (first ${MAX_BARS} rows)` : ''}`);
}

/**
 * Lines over time: one per metric when the section has no dimensions, else the first
 * metric's, one per group of dimension values (at most MAX_SERIES).
 */
function lineChart(doc: Doc, s: ReportSection, font: string, width: number, tz: string): void {
  const m = s.metrics[0]!;
  const times = [...new Set(s.rows.map((r) => r.timestamp))].sort();
  // Per series, time → value; a ratio with no value at a time (null) is a gap in its line.
  const series = new Map<string, Map<string, number | null>>();
  const add = (key: string, r: DataPoint, metric: string) => {
    if (!series.has(key) && series.size >= MAX_SERIES) return;
    const points = series.get(key) ?? new Map<string, number | null>();
    points.set(r.timestamp, r.values[metric] ?? null);
    series.set(key, points);
  };
  for (const r of s.rows) {
    if (s.dimensions.length) add(s.dimensions.map((d) => r.dimensions[d]).join(' / '), r, m);
    else for (const metric of s.metrics) add(metric, r, metric);
  }
  const all = [...series.values()].flatMap((p) => [...p.values()]);
  const top = Math.max(0, ...all.map((v) => v ?? 0));
  const max = top || 1;
  const box = axes(doc, font, width, top);
  const xOf = (i: number) =>
    box.x + (times.length === 1 ? box.w / 2 : (i / (times.length - 1)) * box.w);
  const yOf = (v: number) => box.y + box.h - (v / max) * (box.h - 6);
  let k = 0;
  for (const points of series.values()) {
    const color = COLORS[k++ % COLORS.length]!;
    doc.save().lineWidth(1.5).strokeColor(color);
    let drawing = false;
    times.forEach((t, i) => {
      const v = points.get(t) ?? null;
      if (v === null) {
        drawing = false;
        return;
      }
      const p = [xOf(i), yOf(v)] as const;
      if (drawing) doc.lineTo(...p);
      else doc.moveTo(...p);
      drawing = true;
    });
    doc.stroke();
    for (const [i, t] of times.entries()) {
      const v = points.get(t) ?? null;
      if (v !== null) doc.circle(xOf(i), yOf(v), 1.8).fill(color);
    }
    doc.restore();
  }
  doc.font(font).fontSize(7).fillColor('#374151');
  const first = when(s, s.rows.find((r) => r.timestamp === times[0])!, tz);
  const last = when(s, s.rows.find((r) => r.timestamp === times[times.length - 1])!, tz);
  doc.text(first, box.x, box.y + box.h + 3, { lineBreak: false });
  doc.text(last, box.x + box.w - 80, box.y + box.h + 3, {
    width: 80,
    align: 'right',
    lineBreak: false,
  });
  // The legend: a swatch and the series' name each.
  let x = box.x;
  const y = box.y + box.h + 14;
  k = 0;
  for (const key of series.keys()) {
    doc.rect(x, y, 8, 6).fill(COLORS[k++ % COLORS.length]!);
    doc
      .fillColor('#374151')
      .text(key, x + 11, y - 1, { lineBreak: false, width: 110, ellipsis: true });
    x += 125;
  }
  if (s.dimensions.length) caption(doc, { ...box, h: box.h + 10 }, font, m);
  else {
    doc.x = MARGIN;
    doc.y = y + 16;
  }
}

function caption(doc: Doc, box: { y: number; h: number }, font: string, text: string): void {
  doc.font(font).fontSize(7).fillColor('#6b7280');
  doc.text(text, MARGIN, box.y + box.h + 14, { lineBreak: false });
  doc.x = MARGIN;
  doc.y = box.y + box.h + 28;
}

/** A section of summary figures: one row, no dimension, no time: shown as metric | value. */
const figures = (s: ReportSection) =>
  s.rows.length === 1 && s.dimensions.length === 0 && !s.granularity;

/** A summary section's figures, one line each: a table as tall as it has metrics. */
function figuresOf(s: ReportSection): ReportSection {
  const values = s.rows[0]!.values;
  return {
    ...s,
    dimensions: ['figure'],
    metrics: ['value'],
    rows: s.metrics.map((m) => ({
      timestamp: s.rows[0]!.timestamp,
      dimensions: { figure: m },
      values: { value: values[m] ?? null },
    })),
  };
}

/** The rows as a table; on a page break the header is drawn again. */
function table(
  doc: Doc,
  s: ReportSection,
  f: { body: string; bold: string },
  width: number,
  tz: string,
): void {
  const summary = figures(s);
  if (summary) {
    s = figuresOf(s);
    width = Math.min(width, 300);
  }
  const columns: Array<[string, (r: DataPoint) => string]> = [
    ...(s.granularity
      ? [['time', (r: DataPoint) => when(s, r, tz)] as [string, (r: DataPoint) => string]]
      : []),
    ...s.dimensions.map(
      (d) => [d, (r: DataPoint) => r.dimensions[d] ?? ''] as [string, (r: DataPoint) => string],
    ),
    ...s.metrics.map(
      (m) =>
        [m, (r: DataPoint) => shown(summary ? (r.dimensions.figure ?? m) : m, r.values[m])] as [
          string,
          (r: DataPoint) => string,
        ],
    ),
  ];
  const colW = width / columns.length;
  const limit = () => doc.page.height - MARGIN - FOOTER;
  let y = doc.y;
  const header = () => {
    doc.rect(MARGIN, y, width, ROW_H).fill('#e5e7eb');
    doc.font(f.bold).fontSize(8).fillColor('#111827');
    columns.forEach(([name], i) => {
      cellText(doc, name, MARGIN + i * colW, y, colW, i >= columns.length - s.metrics.length);
    });
    y += ROW_H;
  };
  // The section's heading made room for the header and a first row (space() before it).
  header();
  for (const [n, r] of s.rows.entries()) {
    if (y + ROW_H > limit()) {
      doc.addPage();
      y = doc.y;
      header();
    }
    if (n % 2 === 1) doc.rect(MARGIN, y, width, ROW_H).fill('#f9fafb');
    doc.font(f.body).fontSize(8).fillColor('#111827');
    columns.forEach(([, value], i) => {
      cellText(doc, value(r), MARGIN + i * colW, y, colW, i >= columns.length - s.metrics.length);
    });
    y += ROW_H;
  }
  doc.x = MARGIN;
  doc.y = y + 4;
}

function cellText(doc: Doc, text: string, x: number, y: number, w: number, right: boolean) {
  doc.text(text, x + 3, y + 4, {
    width: w - 6,
    align: right ? 'right' : 'left',
    lineBreak: false,
    ellipsis: true,
    height: ROW_H,
  });
}
