/**
 * What analytics keeps: raw events and their rollups (event counts per minute, hour and day,
 * per tenant, event type and rollup dimensions). Rollups are written in the same step as
 * the events they count, so a query over months reads a few thousand rollup rows instead
 * of millions of events. Times are epoch milliseconds; buckets are UTC.
 */

/** One tracked event as stored. */
export interface AnalyticsEventRecord {
  /** `aev_…`, time-ordered: the store's own id. */
  id: string;
  tenant_id: string;
  /** Dotted or snake name: `notification.sent`, `auth.login`, `feature_used`. */
  event_type: string;
  user_id: string | null;
  /** The sender's idempotency id: a second event with it (same tenant) is ignored. */
  event_id: string | null;
  properties: Record<string, unknown>;
  /** When it happened. */
  timestamp: number;
  /**
   * The event's rollup dimensions as canonical JSON (`{"channel":"email"}`, keys sorted):
   * the low-cardinality properties rollups are counted by. Chosen by the module, kept whole.
   */
  dims: string;
}

/**
 * The property of a notifyd event that stands for several occurrences: in-app sends and
 * deliveries are counted in process and written as one `notification.sent` /
 * `notification.delivered` event per tenant, dims and minute, with this many (see tally.ts).
 */
export const OCCURRENCES = 'occurrences';

/**
 * The start of the idempotency ids of the events notifyd records from its bus
 * (`notifyd:notification.read:<notification id>`); the events API refuses them.
 */
export const NOTIFYD_EVENT_ID = 'notifyd:';

/**
 * How many occurrences an event counts for: its `occurrences` (a positive integer) when it
 * is one of notifyd's own `notification.*` events that stand for several (the in-app tally,
 * without a user; a read-all or dismiss-all, with a `notifyd:` event id), else 1. An event a
 * client tracks counts once, whatever its properties.
 */
export function occurrencesOf(e: {
  event_type: string;
  user_id: string | null;
  event_id: string | null;
  properties: Record<string, unknown>;
}): number {
  if (!e.event_type.startsWith('notification.')) return 1;
  if (e.user_id !== null && !e.event_id?.startsWith(NOTIFYD_EVENT_ID)) return 1;
  const n = e.properties[OCCURRENCES];
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 1;
}

/** The rollup sizes, finest first. */
export const ROLLUP_GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type RollupGranularity = (typeof ROLLUP_GRANULARITIES)[number];

/**
 * Per granularity, the first bucket start rollups are still kept for: older buckets are past
 * their retention (the purge drops them), so appends do not write them.
 */
export type RollupCutoffs = Readonly<Record<RollupGranularity, number>>;

/** A window of time, `[from, to)`. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** A rollup's bucket length in ms. */
export const BUCKET_MS: Record<RollupGranularity, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The UTC bucket `ts` falls in. */
export const bucketOf = (ts: number, g: RollupGranularity): number =>
  Math.floor(ts / BUCKET_MS[g]) * BUCKET_MS[g];

/** One rollup row: how many events of a type, with these dimensions, fell in a bucket. */
export interface RollupRow {
  tenant_id: string;
  /** The bucket's start. */
  bucket: number;
  event_type: string;
  dims: string;
  count: number;
}

/** Which events or rollups a read covers: one tenant (or every one), `[from, to)`, some types. */
export interface AnalyticsRange {
  /** Null: every tenant (a key bound to no tenant asking across them). */
  tenant_id: string | null;
  from: number;
  to: number;
  /** Only these types; absent: every type. */
  event_types?: readonly string[];
}

/**
 * An event with a user, without its properties and dims: all that funnels and active users
 * read when their filters and groups are on the event's own fields. Much cheaper to read and
 * to hold than the whole record.
 */
export interface ActivityRecord {
  id: string;
  tenant_id: string;
  event_type: string;
  user_id: string;
  timestamp: number;
}

/** Where a scan page ends; the next page starts after it. */
export interface ScanCursor {
  timestamp: number;
  id: string;
}

/** How far back each kind of data is kept (timestamps and buckets before these are purged). */
export interface AnalyticsCutoffs {
  raw: number;
  minute: number;
  hour: number;
  day: number;
}

/**
 * A funnel whose steps are event types alone (no filters), answered by the store
 * (AnalyticsStore.funnel). Per user (across tenants when `tenant_id` is null, a user id
 * counted once, as scans do): step 0 is reached by the user's first event of `steps[0]` in
 * `[from, to)`; step k by the user's first event of `steps[k]` after the event that reached
 * step k − 1 in (timestamp, id) order, no more than `window_ms` after step 0's.
 */
export interface FunnelQuery {
  tenant_id: string | null;
  from: number;
  to: number;
  window_ms: number;
  /** Each step's event type, in order (a type may repeat). */
  steps: readonly string[];
}

/** What a funnel's results are made of (funnels.ts turns them into rates and averages). */
export interface FunnelCounts {
  /** Per step, how many users reached it. */
  reached: number[];
  /**
   * Per step k, the sum over the users who reached it of (its time − step k − 1's time), in
   * ms; 0 for step 0.
   */
  gaps: number[];
  /** The sum over the users who reached the last step of (its time − step 0's time), in ms. */
  total: number;
  /** How many events the answer was read from (a store's own count; a figure, not a result). */
  rows_read: number;
}

/**
 * A funnel's counts from events visited in (timestamp, id) order (the scan the store method
 * stands for): the reference the backends without an index of their own use, and what a
 * funnel with filters does after filtering. `visit` takes the events; `counts` the answer.
 */
export function funnelCounter(
  steps: number,
  window_ms: number,
  to: number,
  matches: (step: number, e: ActivityRecord) => boolean,
) {
  /** Per user: when each step reached so far was reached. */
  const reached = new Map<string, number[]>();
  let read = 0;
  return {
    visit(e: ActivityRecord): void {
      read++;
      const times = reached.get(e.user_id);
      if (!times) {
        if (e.timestamp < to && matches(0, e)) reached.set(e.user_id, [e.timestamp]);
        return;
      }
      const k = times.length;
      if (k < steps && e.timestamp - times[0]! <= window_ms && matches(k, e)) {
        times.push(e.timestamp);
      }
    },
    counts(): FunnelCounts {
      const out: FunnelCounts = {
        reached: new Array<number>(steps).fill(0),
        gaps: new Array<number>(steps).fill(0),
        total: 0,
        rows_read: read,
      };
      for (const t of reached.values()) {
        for (let k = 0; k < t.length; k++) {
          out.reached[k]!++;
          if (k > 0) out.gaps[k]! += t[k]! - t[k - 1]!;
        }
        if (t.length === steps) out.total += t[steps - 1]! - t[0]!;
      }
      return out;
    },
  };
}

/**
 * A store's `funnel` by reading activity records (scanActivity) in pages: for the backends
 * with no index by (event type, user, time).
 */
export async function scanFunnel(
  scanActivity: AnalyticsStore['scanActivity'],
  q: FunnelQuery,
): Promise<FunnelCounts> {
  const counter = funnelCounter(
    q.steps.length,
    q.window_ms,
    q.to,
    (k, e) => e.event_type === q.steps[k],
  );
  const range: AnalyticsRange = {
    tenant_id: q.tenant_id,
    from: q.from,
    to: q.to + q.window_ms,
    event_types: [...new Set(q.steps)],
  };
  const PAGE = 50_000;
  let after: ScanCursor | undefined;
  for (;;) {
    const page = await scanActivity(range, PAGE, after);
    for (const e of page) counter.visit(e);
    if (page.length < PAGE) return counter.counts();
    after = page[page.length - 1];
  }
}

/** The analytics store concern, implemented by every backend. */
export interface AnalyticsStore {
  /**
   * Appends events atomically with their rollups (one count in each granularity, except in
   * buckets starting before `rollupsFrom`'s cutoff for it: past retention) and their users'
   * activity rows (activity.ts). An event whose (tenant, event_id) was already appended is
   * ignored, rollups and activity untouched. Resolves to whether each event was new, in order.
   */
  append(events: readonly AnalyticsEventRecord[], rollupsFrom?: RollupCutoffs): Promise<boolean[]>;
  /** Rollup rows of one granularity whose bucket lies in `[from, to)`, in no set order. */
  rollups(granularity: RollupGranularity, range: AnalyticsRange): Promise<RollupRow[]>;
  /**
   * Raw events with timestamp in `[from, to)`, ordered by (timestamp, id), at most `limit`,
   * starting after `after`.
   */
  scan(range: AnalyticsRange, limit: number, after?: ScanCursor): Promise<AnalyticsEventRecord[]>;
  /**
   * Like `scan`, but only events with a user, as activity records: the same order, range,
   * limit and cursor (events without a user are skipped, not counted against `limit`).
   */
  scanActivity(range: AnalyticsRange, limit: number, after?: ScanCursor): Promise<ActivityRecord[]>;
  /**
   * Per window (each at least a day long, `[from, to)`), how many distinct users had an event
   * in it, in one tenant or (null) across every tenant, a user counted once. Answered from
   * the per-(tenant, user, day) activity rows appends keep (activity.ts), not from events;
   * exact for windows starting at or after the raw cutoff of the last purge.
   */
  activeUsers(tenant_id: string | null, windows: readonly TimeWindow[]): Promise<number[]>;
  /**
   * A funnel over event types (FunnelQuery): per step, the users who reached it and the
   * sums of their times between steps. The SQL backends read an index of events by (event
   * type, user, time): one entry per user entering, then one index seek per user and step,
   * not every event of the funnel's types.
   */
  funnel(q: FunnelQuery): Promise<FunnelCounts>;
  /**
   * Forgets raw events and rollup buckets older than the cutoffs, and activity rows of days
   * before the raw cutoff's day; resolves to how many rows.
   */
  purge(before: AnalyticsCutoffs): Promise<number>;
}

/** A rollup row with its granularity: what one append adds to one rollup. */
export interface RollupDelta extends RollupRow {
  granularity: RollupGranularity;
}

/**
 * What appending `events` adds to the rollups: one delta per granularity, bucket, tenant,
 * type and dims, summed (an event adds its occurrences), in a fixed order (so that
 * concurrent writers lock rows alike); none in buckets before `from`'s cutoffs.
 */
export function rollupDeltas(
  events: readonly AnalyticsEventRecord[],
  from?: RollupCutoffs,
): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  for (const e of events) {
    // NUL cannot occur in a tenant, a type or dims JSON: the key is unambiguous, and much
    // cheaper to build than JSON (three keys per event on the write path).
    const tail = `\0${e.tenant_id}\0${e.event_type}\0${e.dims}`;
    const n = occurrencesOf(e);
    for (const granularity of ROLLUP_GRANULARITIES) {
      const bucket = bucketOf(e.timestamp, granularity);
      if (from && bucket < from[granularity]) continue;
      const key = `${granularity}\0${bucket}${tail}`;
      const found = deltas.get(key);
      if (found) found.count += n;
      else {
        deltas.set(key, {
          granularity,
          bucket,
          tenant_id: e.tenant_id,
          event_type: e.event_type,
          dims: e.dims,
          count: n,
        });
      }
    }
  }
  return [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

/** Whether a record falls in a range (tenant, time, types). */
export function inRange(
  r: { tenant_id: string; event_type: string },
  at: number,
  range: AnalyticsRange,
): boolean {
  if (range.tenant_id !== null && r.tenant_id !== range.tenant_id) return false;
  if (at < range.from || at >= range.to) return false;
  return !range.event_types || range.event_types.includes(r.event_type);
}

/** An event's activity record; null when it has no user. */
export const activityOf = (e: AnalyticsEventRecord): ActivityRecord | null =>
  e.user_id === null
    ? null
    : {
        id: e.id,
        tenant_id: e.tenant_id,
        event_type: e.event_type,
        user_id: e.user_id,
        timestamp: e.timestamp,
      };

/** (timestamp, id) order of raw events. */
export function compareEvents(a: ScanCursor, b: ScanCursor): number {
  return a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
