/**
 * Active-user pre-aggregates: one row per (tenant, user, UTC day) with the user's first and
 * last event of that day and the last event before that day. They answer "how many users
 * had an event in [s, e)" exactly for any window at least a day long, by counting rows
 * instead of reading events:
 *
 * - a user's first event at or after `s` lies in the one row with `prev_last < s <= last`;
 * - the user was active in the window when that event is before `e`.
 *
 * So the count is: rows of day(s) with `last >= s`, plus rows of the days after it up to
 * day(e - 1) with `prev_last < s` (on day(e - 1) also `first < e`). With indexes on
 * (tenant, day, last) and (tenant, day, prev_last), each is an index range, and a window
 * reads about one entry per user active in it, not one per event.
 *
 * The rows of ALL_TENANTS count a user once across tenants (queries by a key bound to no
 * tenant), as raw scans do.
 */
import { type AnalyticsEventRecord, BUCKET_MS } from './store.js';

/** The tenant of the rows that count every tenant's events ('*' is no tenant's name). */
export const ALL_TENANTS = '*';
/** `prev_last` of a user's first day: before every timestamp. */
export const NO_PREV = Number.MIN_SAFE_INTEGER;
/** Windows shorter than this cannot be answered from day rows. */
export const MIN_ACTIVE_WINDOW = BUCKET_MS.day;

const DAY = BUCKET_MS.day;
/** The UTC day `ts` falls in (its start). */
export const dayOf = (ts: number): number => Math.floor(ts / DAY) * DAY;

/** A window of time, `[from, to)`. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** What a batch of events adds to one (tenant, user, day) row: its earliest and latest. */
export interface ActivityGroup {
  tenant_id: string;
  user_id: string;
  day: number;
  first: number;
  last: number;
}

/**
 * The rows a batch of (kept) events touches, each tenant's and ALL_TENANTS', sorted by
 * (tenant, user, day) so that concurrent writers take locks alike. Events without a user
 * are no one's activity.
 */
export function activityGroups(events: readonly AnalyticsEventRecord[]): ActivityGroup[] {
  const groups = new Map<string, ActivityGroup>();
  const add = (tenant_id: string, user_id: string, ts: number) => {
    const day = dayOf(ts);
    const key = `${tenant_id}\0${user_id}\0${day}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { tenant_id, user_id, day, first: ts, last: ts });
    else {
      if (ts < g.first) g.first = ts;
      if (ts > g.last) g.last = ts;
    }
  };
  for (const e of events) {
    if (e.user_id === null) continue;
    add(e.tenant_id, e.user_id, e.timestamp);
    add(ALL_TENANTS, e.user_id, e.timestamp);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort(
    (a, b) => cmp(a.tenant_id, b.tenant_id) || cmp(a.user_id, b.user_id) || a.day - b.day,
  );
}

/** One index range of a window's count: rows of `day` that count for it. */
export interface WindowPart {
  day: number;
  /** true: rows with `last >= from` (the window's first day); false: `prev_last < from`. */
  byLast: boolean;
  from: number;
  /** Rows also need `first < to` (always true but on the window's last day). */
  to: number;
}

/** The ranges whose row counts add up to a window's active users. */
export function windowParts(w: TimeWindow): WindowPart[] {
  if (w.to - w.from < MIN_ACTIVE_WINDOW) {
    throw new RangeError('Active users are counted from day rows over windows of a day or more.');
  }
  const first = dayOf(w.from);
  const last = dayOf(w.to - 1);
  const parts: WindowPart[] = [{ day: first, byLast: true, from: w.from, to: w.to }];
  for (let d = first + DAY; d <= last; d += DAY) {
    parts.push({ day: d, byLast: false, from: w.from, to: w.to });
  }
  return parts;
}

/** Whether a row counts for a part of a window. */
export const countsFor = (
  row: { first: number; last: number; prev_last: number },
  p: WindowPart,
): boolean => (p.byLast ? row.last >= p.from : row.prev_last < p.from) && row.first < p.to;
