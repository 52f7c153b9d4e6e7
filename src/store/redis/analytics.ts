import type { Redis } from 'ioredis';
import {
  ALL_TENANTS,
  activityGroups,
  dayOf,
  NO_PREV,
  windowParts,
} from '../../analytics/activity.js';
import {
  type AnalyticsEventRecord,
  type AnalyticsRange,
  type AnalyticsStore,
  activityOf,
  inRange,
  occurrencesOf,
  ROLLUP_GRANULARITIES,
  type RollupRow,
  type ScanCursor,
  scanFunnel,
} from '../../analytics/store.js';
import { escapePart } from '../../redis/key-names.js';
import type { RedisHandle } from './handle.js';
import { ADD_ACTIVITY, COUNT_ACTIVITY, PURGE_ACTIVITY } from './lua/activity.js';
import { APPEND_EVENTS } from './lua/analytics.js';

/** Timestamps as 16 digits, so that members sort by time as text. */
const pad = (ts: number) => String(ts).padStart(16, '0');
/** Sorts after every member of the same (timestamp, id): their JSON starts with `{`. */
const PAST = '~';

/** An event's member of the event sets: `{timestamp}|{id}|{record JSON}`, ordered by text. */
const memberOf = (e: AnalyticsEventRecord) => `${pad(e.timestamp)}|${e.id}|${JSON.stringify(e)}`;
const recordOf = (member: string) =>
  JSON.parse(member.slice(member.indexOf('|', 17) + 1)) as AnalyticsEventRecord;

/** A cutoff before every bucket (Lua reads numbers, not -inf). */
const NO_CUTOFF = Number.MIN_SAFE_INTEGER;

/** Members read per round trip by scans and purges. */
const CHUNK = 1000;

/**
 * Analytics in Redis (the data model, beside key-names.ts's):
 *
 * | key              | type | holds                                                        |
 * |------------------|------|--------------------------------------------------------------|
 * | aev, aev-t:{t}   | zset | events (all, one tenant's), score 0, member `{ts}\|{id}\|{JSON}` |
 * | aeid             | zset | `{t}:{event_id}` of kept events, by timestamp                |
 * | aru:{g}:{bucket} | hash | `[tenant, type, dims]` JSON → count, per granularity g       |
 * | arub:{g}         | zset | the buckets of g that have a hash, by start                  |
 *
 * Appends run in one script (lua/analytics.ts), so a batch is atomic; the kept events'
 * activity rows (keys in lua/activity.ts) are added by a second script right after it. The
 * key `aactv` says the rows also hold every event kept before notifyd wrote them.
 */
export class RedisAnalyticsStore implements AnalyticsStore {
  constructor(private readonly h: RedisHandle) {}

  append: AnalyticsStore['append'] = (events, rollupsFrom) => {
    if (events.length === 0) return Promise.resolve([]);
    const args: (string | number)[] = [
      events.length,
      ...ROLLUP_GRANULARITIES.map((g) => rollupsFrom?.[g] ?? NO_CUTOFF),
    ];
    for (const e of events) {
      args.push(
        memberOf(e),
        e.tenant_id,
        e.event_id ?? '',
        e.timestamp,
        JSON.stringify([e.tenant_id, e.event_type, e.dims]),
        occurrencesOf(e),
      );
    }
    return this.h.run(async () => {
      const kept = ((await this.h.script(APPEND_EVENTS, args)) as number[]).map((k) => k === 1);
      const groups = activityGroups(events.filter((_, i) => kept[i]));
      if (groups.length > 0) {
        const rows: (string | number)[] = [NO_PREV];
        for (const g of groups) rows.push(g.tenant_id, g.user_id, g.day, g.first, g.last);
        await this.h.script(ADD_ACTIVITY, rows);
      }
      return kept;
    });
  };

  rollups: AnalyticsStore['rollups'] = (granularity, range) => {
    const name = this.h.names.name.bind(this.h.names);
    return this.h.run(async (c) => {
      const buckets = await c.zrange(
        name('arub', granularity),
        range.from,
        `(${range.to}`,
        'BYSCORE',
      );
      const pipe = c.pipeline();
      for (const b of buckets) pipe.hgetall(name('aru', granularity, b));
      const hashes = buckets.length ? ((await pipe.exec()) ?? []) : [];
      const out: RollupRow[] = [];
      hashes.forEach(([err, hash], i) => {
        if (err) throw err;
        const bucket = Number(buckets[i]);
        for (const [field, count] of Object.entries(hash as Record<string, string>)) {
          const [tenant_id, event_type, dims] = JSON.parse(field) as [string, string, string];
          const row = { tenant_id, bucket, event_type, dims, count: Number(count) };
          if (inRange(row, bucket, range)) out.push(row);
        }
      });
      return out;
    });
  };

  scan: AnalyticsStore['scan'] = (range, limit, after) =>
    this.walk(range, limit, after, (e) => (inRange(e, e.timestamp, range) ? e : null));

  // Members hold the whole record: reading activity costs what a scan costs here.
  scanActivity: AnalyticsStore['scanActivity'] = (range, limit, after) =>
    this.walk(range, limit, after, (e) => (inRange(e, e.timestamp, range) ? activityOf(e) : null));

  /** Reads members of the range in order after the cursor, keeping up to `limit` `pick`s. */
  private walk<T>(
    range: AnalyticsRange,
    limit: number,
    after: ScanCursor | undefined,
    pick: (e: AnalyticsEventRecord) => T | null,
  ): Promise<T[]> {
    const name = this.h.names.name.bind(this.h.names);
    const key = range.tenant_id === null ? name('aev') : name('aev-t', range.tenant_id);
    return this.h.run(async (c) => {
      const out: T[] = [];
      let start = after ? `(${pad(after.timestamp)}|${after.id}|${PAST}` : `[${pad(range.from)}`;
      const end = `(${pad(range.to)}`;
      while (out.length < limit) {
        const members = await c.zrange(key, start, end, 'BYLEX', 'LIMIT', 0, CHUNK);
        for (const m of members) {
          const kept = out.length < limit ? pick(recordOf(m)) : null;
          if (kept !== null) out.push(kept);
        }
        if (members.length < CHUNK) break;
        start = `(${members[members.length - 1]}`;
      }
      return out;
    });
  }

  // No index by (type, user, time) here: a scan of the funnel's types, as funnels did.
  funnel: AnalyticsStore['funnel'] = (q) => scanFunnel(this.scanActivity, q);

  activeUsers: AnalyticsStore['activeUsers'] = (tenant, windows) =>
    this.h.run(async (c) => {
      const parts = windows.map(windowParts);
      if (!this.activityComplete) await this.completeActivity(c);
      // Sent together (ioredis pipelines what is in flight): one round trip, not one a day.
      const counts = await Promise.all(
        parts
          .flat()
          .map((p) =>
            this.h.script(COUNT_ACTIVITY, [
              tenant ?? ALL_TENANTS,
              p.day,
              p.from,
              p.to,
              p.byLast ? '1' : '0',
            ]),
          ),
      );
      let at = 0;
      return parts.map((ps) => {
        let n = 0;
        for (let i = 0; i < ps.length; i++) n += Number(counts[at++]);
        return n;
      });
    });

  /** Whether `aactv` says activity rows hold every kept event (see completeActivity). */
  private activityComplete = false;

  /**
   * Events kept before activity rows existed (notifyd before them wrote none) are added
   * once, then `aactv` is set. Adding a group twice changes nothing, so appends meanwhile,
   * or another node doing the same, are harmless.
   */
  private async completeActivity(c: Redis): Promise<void> {
    const name = this.h.names.name.bind(this.h.names);
    if ((await c.exists(name('aactv'))) === 0) {
      let start = '-';
      for (;;) {
        const members = await c.zrange(name('aev'), start, '+', 'BYLEX', 'LIMIT', 0, CHUNK * 10);
        const groups = activityGroups(members.map(recordOf));
        if (groups.length > 0) {
          const rows: (string | number)[] = [NO_PREV];
          for (const g of groups) rows.push(g.tenant_id, g.user_id, g.day, g.first, g.last);
          await this.h.script(ADD_ACTIVITY, rows);
        }
        if (members.length < CHUNK * 10) break;
        start = `(${members[members.length - 1]}`;
      }
      await c.set(name('aactv'), '1');
    }
    this.activityComplete = true;
  }

  purge: AnalyticsStore['purge'] = (before) => {
    const name = this.h.names.name.bind(this.h.names);
    return this.h.run(async (c) => {
      let n = 0;
      for (;;) {
        const members = await c.zrange(
          name('aev'),
          '-',
          `(${pad(before.raw)}`,
          'BYLEX',
          'LIMIT',
          0,
          CHUNK,
        );
        if (members.length === 0) break;
        const pipe = c.multi();
        for (const m of members) {
          const e = recordOf(m);
          pipe.zrem(name('aev-t', e.tenant_id), m);
          if (e.event_id !== null)
            pipe.zrem(name('aeid'), `${escapePart(e.tenant_id)}:${e.event_id}`);
        }
        pipe.zrem(name('aev'), ...members);
        await pipe.exec();
        n += members.length;
      }
      for (const g of ['minute', 'hour', 'day'] as const) {
        const buckets = await c.zrange(name('arub', g), '-inf', `(${before[g]}`, 'BYSCORE');
        if (buckets.length === 0) continue;
        const pipe = c.multi();
        for (const b of buckets) pipe.hlen(name('aru', g, b)).del(name('aru', g, b));
        pipe.zrem(name('arub', g), ...buckets);
        const replies = (await pipe.exec()) ?? [];
        for (let i = 0; i < buckets.length; i++) n += Number(replies[i * 2]?.[1] ?? 0);
      }
      return n + Number(await this.h.script(PURGE_ACTIVITY, [dayOf(before.raw)]));
    });
  };
}
