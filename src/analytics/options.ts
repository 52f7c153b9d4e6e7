/** Analytics options (analytics.*). */
import { defineOptions, type SectionOf, sectionCheck } from '../core/option-spec.js';
import type { AnalyticsCutoffs } from './store.js';

const DAY_MS = 86_400_000;

/** Ingestion bounds, the write buffer, retention per granularity and report files. */
export const ANALYTICS_OPTIONS = defineOptions([
  {
    path: 'analytics.enabled',
    type: 'boolean',
    default: true,
    doc: 'Record analytics: the /analytics, /reports and /alerts APIs, and notifyd’s own events (notifications, rate limiting) from its event bus. Off: those routes answer 404 and nothing is recorded.',
  },
  {
    path: 'analytics.max_future_skew_ms',
    type: 'integer',
    default: 300000,
    min: 0,
    max: DAY_MS,
    doc: 'How far ahead of the server clock an event’s timestamp may be (clients’ clocks drift); later ones are refused with VALIDATION_ERROR.',
  },
  {
    path: 'analytics.max_backfill_ms',
    type: 'integer',
    default: 7 * DAY_MS,
    min: 0,
    max: 3650 * DAY_MS,
    doc: 'How far in the past an event’s timestamp may be: backfilling older history is refused with VALIDATION_ERROR. Keep it within analytics.retention.raw_days, or backfilled events are purged at once.',
  },
  {
    path: 'analytics.max_properties_bytes',
    type: 'integer',
    default: 8192,
    min: 64,
    max: 1048576,
    doc: 'Largest `properties` object of one event, as JSON.',
  },
  {
    path: 'analytics.rollup_dimensions',
    type: 'list',
    default: [
      'channel',
      'category',
      'template',
      'status',
      'method',
      'policy',
      'scope',
      'route',
      'reason',
      'provider',
    ],
    doc: 'Event properties that rollups count by (low-cardinality ones: a per-user property here would make rollups as large as the events). Queries grouped or filtered by these read rollups; others scan raw events.',
  },
  {
    path: 'analytics.buffer_size',
    type: 'integer',
    default: 100000,
    min: 1,
    max: 10000000,
    doc: 'notifyd’s own events (from its event bus) waiting to be written. When full, new ones are dropped, counted in notifyd_analytics_events_dropped_total and logged: recording never slows the send path.',
  },
  {
    path: 'analytics.flush_interval_ms',
    type: 'integer',
    default: 1000,
    min: 10,
    max: 60000,
    doc: 'How often buffered events are written, in batches of up to 1,000.',
  },
  {
    path: 'analytics.retention.raw_days',
    type: 'integer',
    default: 90,
    min: 1,
    max: 3650,
    doc: 'Days raw events are kept (funnels and queries on properties outside analytics.rollup_dimensions read them), and the per-user daily activity rows DAU/WAU/MAU are counted from.',
  },
  {
    path: 'analytics.retention.minute_days',
    type: 'integer',
    default: 2,
    min: 1,
    max: 3650,
    doc: 'Days per-minute rollups are kept (alerts and short windows read them).',
  },
  {
    path: 'analytics.retention.hour_days',
    type: 'integer',
    default: 90,
    min: 1,
    max: 3650,
    doc: 'Days per-hour rollups are kept.',
  },
  {
    path: 'analytics.retention.day_days',
    type: 'integer',
    default: 1825,
    min: 1,
    max: 36500,
    doc: 'Days per-day rollups are kept (queries over months and years read them).',
  },
  {
    path: 'analytics.purge_interval_ms',
    type: 'integer',
    default: 3600000,
    min: 1000,
    max: DAY_MS,
    doc: 'How often data past its retention is purged.',
  },
  {
    path: 'analytics.query_timeout_ms',
    type: 'integer',
    default: 30000,
    min: 100,
    max: 600000,
    doc: 'Longest a query or funnel may scan raw events; past it the request answers 408 QUERY_TIMEOUT (narrow its range, or group and filter by rollup dimensions).',
  },
  {
    path: 'analytics.reports.ttl_hours',
    type: 'integer',
    default: 168,
    min: 1,
    max: 8760,
    doc: 'How long a generated report can be downloaded; afterwards its download answers 410 REPORT_EXPIRED (and one more such period later it is deleted).',
  },
  {
    path: 'analytics.reports.max_rows',
    type: 'integer',
    default: 5000,
    min: 1,
    max: 100000,
    doc: 'Most rows a report keeps per section (query); beyond them the section says it is truncated.',
  },
  {
    path: 'analytics.reports.max_bytes',
    type: 'integer',
    default: 4194304,
    min: 1024,
    max: 67108864,
    doc: 'Largest data a generated report may keep (the rows of all its sections, as JSON); a larger one fails with REPORT_GENERATION_FAILED.',
  },
  {
    path: 'analytics.reports.pdf_font',
    type: 'string',
    default: 'auto',
    doc: 'A TrueType font file embedded in PDF reports (its `-Bold` sibling for headings, when present). `auto`: the first of DejaVu Sans or Liberation Sans found on the host; empty: the PDF standard Helvetica, which is not embedded.',
  },
  {
    path: 'analytics.reports.link_secret',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Signs the download links scheduled reports send to webhooks (HMAC-SHA256); the same on every node. Empty: schedules cannot deliver by webhook.',
  },
  {
    path: 'analytics.reports.public_url',
    type: 'string',
    default: '',
    doc: "notifyd's address as webhook receivers reach it (`https://notify.example.com`): the start of a signed download link. Empty: the link is a path.",
  },
  {
    path: 'analytics.reports.link_ttl_hours',
    type: 'integer',
    default: 72,
    min: 1,
    max: 8760,
    doc: 'How long a signed download link works (never past the report’s own expiry).',
  },
]);

/** Analytics settings as loaded: `analytics.*`. */
export type AnalyticsOptions = SectionOf<typeof ANALYTICS_OPTIONS, 'analytics'>;

/**
 * Where retention ends at `now`: raw events and rollup buckets before these are purged (and
 * rollup buckets before them are not written).
 */
export function retentionCutoffs(
  retention: AnalyticsOptions['retention'],
  now: number,
): AnalyticsCutoffs {
  return {
    raw: now - retention.raw_days * DAY_MS,
    minute: now - retention.minute_days * DAY_MS,
    hour: now - retention.hour_days * DAY_MS,
    day: now - retention.day_days * DAY_MS,
  };
}

/** Backfill past raw retention would be purged as soon as it is written. */
export const checkAnalyticsOptions = sectionCheck(
  'analytics',
  (analytics: AnalyticsOptions, report) => {
    if (analytics.max_backfill_ms > analytics.retention.raw_days * DAY_MS) {
      report(
        'analytics.max_backfill_ms',
        analytics.max_backfill_ms,
        `must not reach past analytics.retention.raw_days (${analytics.retention.raw_days} days); lower it or keep raw events longer`,
      );
    }
  },
);
