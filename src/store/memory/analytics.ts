import { dayOf } from '../../analytics/activity.js';
import {
  type AnalyticsEventRecord,
  type AnalyticsRange,
  type AnalyticsStore,
  activityOf,
  compareEvents,
  inRange,
  type RollupRow,
  rollupDeltas,
  type ScanCursor,
  scanFunnel,
} from '../../analytics/store.js';
import { MemoryActivity } from './analytics-activity.js';
import type { OpenState } from './open-state.js';

const copy = (e: AnalyticsEventRecord): AnalyticsEventRecord => structuredClone(e);

/** Analytics events in memory: a list kept in (timestamp, id) order and rollup maps. */
export class MemoryAnalyticsStore implements AnalyticsStore {
  private readonly events: AnalyticsEventRecord[] = [];
  /** `tenant\0event_id` → the event's timestamp, while it is kept. */
  private readonly eventIds = new Map<string, number>();
  private readonly rollupRows = {
    minute: new Map<string, RollupRow>(),
    hour: new Map<string, RollupRow>(),
    day: new Map<string, RollupRow>(),
  };
  private readonly activity = new MemoryActivity();

  constructor(private readonly state: OpenState) {}

  append: AnalyticsStore['append'] = async (events, rollupsFrom) => {
    this.state.check();
    const kept: AnalyticsEventRecord[] = [];
    const outcome = events.map((e) => {
      if (e.event_id !== null) {
        const key = `${e.tenant_id}\0${e.event_id}`;
        if (this.eventIds.has(key)) return false;
        this.eventIds.set(key, e.timestamp);
      }
      kept.push(copy(e));
      return true;
    });
    for (const e of kept) this.events.splice(this.insertionPoint(e), 0, e);
    this.activity.add(kept);
    for (const d of rollupDeltas(kept, rollupsFrom)) {
      const map = this.rollupRows[d.granularity];
      const key = JSON.stringify([d.bucket, d.tenant_id, d.event_type, d.dims]);
      const row = map.get(key);
      if (row) row.count += d.count;
      else {
        const { granularity: _, ...rest } = d;
        map.set(key, rest);
      }
    }
    return outcome;
  };

  rollups: AnalyticsStore['rollups'] = async (granularity, range) => {
    this.state.check();
    const out: RollupRow[] = [];
    for (const row of this.rollupRows[granularity].values()) {
      if (inRange(row, row.bucket, range)) out.push({ ...row });
    }
    return out;
  };

  scan: AnalyticsStore['scan'] = async (range, limit, after) =>
    this.scanAs(range, limit, after, copy);

  scanActivity: AnalyticsStore['scanActivity'] = async (range, limit, after) =>
    this.scanAs(range, limit, after, activityOf);

  /**
   * The events in `range` after `after`, in order, as `as` makes them; one it makes null is
   * left out. Stops at `limit` made.
   */
  private scanAs<T>(
    range: AnalyticsRange,
    limit: number,
    after: ScanCursor | undefined,
    as: (e: AnalyticsEventRecord) => T | null,
  ): T[] {
    this.state.check();
    const start = after ? this.insertionPoint(after, true) : this.firstAt(range.from);
    const out: T[] = [];
    for (let i = start; i < this.events.length && out.length < limit; i++) {
      const e = this.events[i]!;
      if (e.timestamp >= range.to) break;
      const made = inRange(e, e.timestamp, range) ? as(e) : null;
      if (made !== null) out.push(made);
    }
    return out;
  }

  // No index by (type, user, time) here: a scan of the funnel's types, as funnels did.
  funnel: AnalyticsStore['funnel'] = (q) => scanFunnel(this.scanActivity, q);

  activeUsers: AnalyticsStore['activeUsers'] = async (tenant, windows) => {
    this.state.check();
    return this.activity.count(tenant, windows);
  };

  purge: AnalyticsStore['purge'] = async (before) => {
    this.state.check();
    const drop = this.firstAt(before.raw);
    const gone = this.events.splice(0, drop);
    for (const e of gone) {
      if (e.event_id !== null) this.eventIds.delete(`${e.tenant_id}\0${e.event_id}`);
    }
    let n = gone.length + this.activity.purge(dayOf(before.raw));
    for (const g of ['minute', 'hour', 'day'] as const) {
      for (const [key, row] of this.rollupRows[g]) {
        if (row.bucket < before[g]) {
          this.rollupRows[g].delete(key);
          n++;
        }
      }
    }
    return n;
  };

  /** The index of the first event after `at` (or at it, unless `strictlyAfter`). */
  private insertionPoint(at: ScanCursor, strictlyAfter = true): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareEvents(this.events[mid]!, at);
      if (c < 0 || (strictlyAfter && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the first event at or after time `ts`. */
  private firstAt(ts: number): number {
    return this.insertionPoint({ timestamp: ts, id: '' }, false);
  }
}
