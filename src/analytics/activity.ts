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
 * tenant), as raw scans do. They are kept only once a second tenant has rows: while one
 * tenant (or none) has rows, a count across tenants is that tenant's count, and writing a
 * second copy of every row would double the write for nothing (BENCHMARKS.md, "Activity rows
 * written once per batch"). The batch that brings the second tenant first copies the first
 * tenant's rows to ALL_TENANTS (a user's rows in one tenant are its rows across one tenant),
 * in its transaction; from then on every batch writes them. So: ALL_TENANTS rows exist if
 * and only if more than one tenant has ever had rows since the last purge that emptied them.
 */
import { type AnalyticsEventRecord, BUCKET_MS, type TimeWindow } from './store.js';

export type { TimeWindow };

/** The tenant of the rows that count every tenant's events ('*' is no tenant's name). */
export const ALL_TENANTS = '*';
/** `prev_last` of a user's first day: before every timestamp. */
export const NO_PREV = Number.MIN_SAFE_INTEGER;
/** Windows shorter than this cannot be answered from day rows. */
export const MIN_ACTIVE_WINDOW = BUCKET_MS.day;

const DAY = BUCKET_MS.day;
/** The UTC day `ts` falls in (its start). */
export const dayOf = (ts: number): number => Math.floor(ts / DAY) * DAY;

/** What a batch of events adds to one (tenant, user, day) row: its earliest and latest. */
export interface ActivityGroup {
  tenant_id: string;
  user_id: string;
  day: number;
  first: number;
  last: number;
}

/**
 * The rows a batch of (kept) events touches, each tenant's and (with `all`) ALL_TENANTS',
 * sorted by (tenant, user, day) so that concurrent writers take locks alike. Events without
 * a user are no one's activity.
 */
export function activityGroups(
  events: readonly AnalyticsEventRecord[],
  all = true,
): ActivityGroup[] {
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
    if (all) add(ALL_TENANTS, e.user_id, e.timestamp);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort(
    (a, b) => cmp(a.tenant_id, b.tenant_id) || cmp(a.user_id, b.user_id) || a.day - b.day,
  );
}

/**
 * Whether a batch needs ALL_TENANTS rows when the rows hold no ALL_TENANTS rows and `one`
 * is the tenant that has rows (undefined: none has): whether its events with a user bring a
 * tenant other than that one (or, with none, two tenants).
 */
export function bringsSecondTenant(
  events: readonly AnalyticsEventRecord[],
  one: string | undefined,
): boolean {
  let t = one;
  for (const e of events) {
    if (e.user_id === null) continue;
    if (t === undefined) t = e.tenant_id;
    else if (e.tenant_id !== t) return true;
  }
  return false;
}

/** One (tenant, user, day) row as stored (its tenant and user aside). */
export interface ActivityRow {
  day: number;
  first: number;
  last: number;
  prev_last: number;
}

/** Bits of ActivityWrite.changed: the columns an update sets. */
export const FIRST = 1;
export const LAST = 2;
export const PREV_LAST = 4;

/** A row to write with its final values: inserted whole, or the `changed` columns updated. */
export interface ActivityWrite extends ActivityRow {
  insert: boolean;
  /** FIRST | LAST | PREV_LAST of an update; 0 for an insert. */
  changed: number;
}

/** Where each (tenant, user)'s groups start and end in activityGroups' order: `[from, to)`. */
export function userRuns(groups: readonly ActivityGroup[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let from = 0; from < groups.length; ) {
    const { tenant_id, user_id } = groups[from]!;
    let to = from + 1;
    while (
      to < groups.length &&
      groups[to]!.user_id === user_id &&
      groups[to]!.tenant_id === tenant_id
    ) {
      to++;
    }
    runs.push([from, to]);
    from = to;
  }
  return runs;
}

/**
 * Merges one user's groups `groups[from, to)` (in day order) into the rows they can change
 * and says what to write. `rows` (in day order) are the user's rows from the last one before
 * the first group's day (whose `last` is the next row's prev_last) through the first one
 * after the last group's day (whose prev_last may move); the answer is: new rows with their prev_last, and for
 * each existing row whose first, last or prev_last moves, only those columns. Every row is
 * written at most once, with its final values, so a batch with many events of one user's
 * day, or days out of order, costs one write per row it changes.
 */
export function mergeActivity(
  rows: readonly ActivityRow[],
  groups: readonly ActivityGroup[],
  from: number,
  to: number,
): ActivityWrite[] {
  const out: ActivityWrite[] = [];
  const lo = groups[from]!.day;
  let prevLast = NO_PREV;
  let r = 0;
  if (rows.length > 0 && rows[0]!.day < lo) prevLast = rows[r++]!.last;
  let g = from;
  while (r < rows.length || g < to) {
    const group = g < to ? groups[g]! : undefined;
    const row = r < rows.length ? rows[r]! : undefined;
    if (group && (!row || group.day < row.day)) {
      const { day, first, last } = group;
      out.push({ day, first, last, prev_last: prevLast, insert: true, changed: 0 });
      prevLast = last;
      g++;
      continue;
    }
    const { day, first, last, prev_last } = row!;
    let f = first;
    let l = last;
    if (group && group.day === day) {
      if (group.first < f) f = group.first;
      if (group.last > l) l = group.last;
      g++;
    }
    const changed =
      (f !== first ? FIRST : 0) |
      (l !== last ? LAST : 0) |
      (prevLast !== prev_last ? PREV_LAST : 0);
    if (changed !== 0) {
      out.push({ day, first: f, last: l, prev_last: prevLast, insert: false, changed });
    }
    prevLast = l;
    r++;
  }
  return out;
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
