import {
  ALL_TENANTS,
  activityGroups,
  bringsSecondTenant,
  dayOf,
  MIN_ACTIVE_WINDOW,
  type TimeWindow,
} from '../../analytics/activity.js';
import type { AnalyticsEventRecord } from '../../analytics/store.js';

interface DayRow {
  day: number;
  first: number;
  last: number;
}

/**
 * Activity rows in memory: per tenant (and ALL_TENANTS once a second tenant has rows, as in
 * activity.ts), per user, the user's days in order. The last event before a day is the
 * previous row's `last`, so it is not kept apart.
 */
export class MemoryActivity {
  private readonly tenants = new Map<string, Map<string, DayRow[]>>();

  /** Adds kept events to their rows (activityGroups). */
  add(events: readonly AnalyticsEventRecord[]): void {
    let all = this.tenants.has(ALL_TENANTS);
    if (!all) {
      const [one] = this.tenants.keys();
      if (bringsSecondTenant(events, one)) {
        all = true;
        if (one !== undefined) {
          const copy = new Map<string, DayRow[]>();
          for (const [user, days] of this.tenants.get(one)!) {
            copy.set(
              user,
              days.map((r) => ({ ...r })),
            );
          }
          this.tenants.set(ALL_TENANTS, copy);
        }
      }
    }
    for (const g of activityGroups(events, all)) {
      let users = this.tenants.get(g.tenant_id);
      if (!users) {
        users = new Map();
        this.tenants.set(g.tenant_id, users);
      }
      let days = users.get(g.user_id);
      if (!days) {
        days = [];
        users.set(g.user_id, days);
      }
      const i = firstFrom(days, g.day);
      const row = days[i];
      if (row && row.day === g.day) {
        row.first = Math.min(row.first, g.first);
        row.last = Math.max(row.last, g.last);
      } else days.splice(i, 0, { day: g.day, first: g.first, last: g.last });
    }
  }

  /** Distinct users with an event in each window (see AnalyticsStore.activeUsers). */
  count(tenant: string | null, windows: readonly TimeWindow[]): number[] {
    // Without ALL_TENANTS rows, at most one tenant has rows: its count is the count across.
    const across = this.tenants.has(ALL_TENANTS) ? ALL_TENANTS : [...this.tenants.keys()][0];
    const users = tenant === null ? across && this.tenants.get(across) : this.tenants.get(tenant);
    return windows.map((w) => {
      if (w.to - w.from < MIN_ACTIVE_WINDOW) throw new RangeError('window shorter than a day');
      if (!users) return 0;
      const first = dayOf(w.from);
      const last = dayOf(w.to - 1);
      let n = 0;
      for (const days of users.values()) {
        let i = firstFrom(days, first);
        if (days[i]?.day === first && days[i]!.last < w.from) i++;
        const row = days[i];
        if (row && (row.day === first || (row.day <= last && row.first < w.to))) n++;
      }
      return n;
    });
  }

  /** Forgets rows of days before `day`; resolves to how many. */
  purge(day: number): number {
    let n = 0;
    for (const [tenant, users] of this.tenants) {
      for (const [user, days] of users) {
        const drop = firstFrom(days, day);
        if (drop === 0) continue;
        n += drop;
        if (drop === days.length) users.delete(user);
        else days.splice(0, drop);
      }
      // A tenant without rows has none (as in the other stores).
      if (users.size === 0) this.tenants.delete(tenant);
    }
    return n;
  }
}

/** The index of the first row of `day` or later. */
function firstFrom(days: readonly DayRow[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]!.day < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
