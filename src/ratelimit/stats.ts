import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { CounterStore } from '../store/types.js';
import type { Verdict } from './verdict.js';

const HOUR_MS = 3_600_000;
/** Hourly buckets outlive the longest range that reads them. */
const BUCKET_TTL_MS = 8 * 24 * HOUR_MS;
export const MAX_RANGE_HOURS = 7 * 24;
/** Keys remembered for the top-limited list; the least limited are dropped past it. */
const TOP_CAPACITY = 10_000;

/** One tenant's counts of one hour, before they are written out. */
type Pending = Map<string, number>;

/** What `GET /ratelimit/analytics` answers. */
export interface RateLimitAnalytics {
  from: string;
  to: string;
  total: number;
  limited: number;
  /** limited / total; 0 when there was nothing. */
  limited_rate: number;
  /** Per scope: a request counts once under each scope its limits count per. */
  by_scope: Record<string, { total: number; limited: number }>;
  /** Per policy: a request counts once under each policy that applied, whatever its limits. */
  by_policy: Record<string, { total: number; limited: number }>;
}

export interface TopLimited {
  key: string;
  scope: string;
  policy: string;
  limited: number;
  last_limited_at: string;
}

const field = (tenantId: string, hour: number, name: string) =>
  `rlstats:${tenantId}:${hour}:${name}`;

/**
 * Rate-limit analytics: requests and refusals per tenant and hour, in total, per scope and
 * per policy, kept as counters in the store (so every node's decisions add up) and written
 * out every few seconds rather than per request. The most limited keys are this node's own
 * view, over the last hour.
 */
export class RateLimitStats {
  private pending = new Map<string, Pending>();
  private readonly top = new Map<string, TopLimited & { at: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly counters: CounterStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Counts one decided request. */
  request(tenantId: string, verdict: Verdict): void {
    const hour = Math.floor(this.clock.now() / HOUR_MS);
    const key = `${tenantId}\u0000${hour}`;
    let p = this.pending.get(key);
    if (!p) {
      p = new Map();
      this.pending.set(key, p);
    }
    const add = (name: string) => p.set(name, (p.get(name) ?? 0) + 1);
    add('total');
    if (!verdict.allowed) add('limited');
    if (verdict.bypass) add('scope:bypass:total');
    // A request counts once per policy and once per scope however many of their limits it
    // met (a policy of 10/second and 1,000/hour is one policy): refused if any refused it.
    const policies = new Map<string, boolean>();
    const scopes = new Map<string, boolean>();
    for (const { limit, decision } of verdict.outcomes) {
      const refused = !decision.allowed;
      policies.set(limit.policy.name, refused || (policies.get(limit.policy.name) ?? false));
      scopes.set(limit.scope, refused || (scopes.get(limit.scope) ?? false));
      if (refused) this.noteLimited(limit.key, limit.scope, limit.policy.name);
    }
    for (const [prefix, seen] of [
      ['policy', policies],
      ['scope', scopes],
    ] as const) {
      for (const [name, refused] of seen) {
        add(`${prefix}:${name}:total`);
        if (refused) add(`${prefix}:${name}:limited`);
      }
    }
  }

  /** Writes out what was counted since the last flush. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const now = this.clock.now();
    const writes: Promise<number>[] = [];
    for (const [key, counts] of batch) {
      const [tenantId, hour] = key.split('\u0000') as [string, string];
      for (const [name, by] of counts) {
        writes.push(
          this.counters.increment(field(tenantId, Number(hour), name), by, BUCKET_TTL_MS, now),
        );
      }
    }
    await Promise.all(writes);
  }

  /** Flushes every `everyMs`; returns stop (which flushes once more). */
  start(everyMs: number): () => Promise<void> {
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) =>
        this.logger.warn({ err }, 'could not write rate-limit analytics; will retry'),
      );
    }, everyMs);
    this.timer.unref();
    return async () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      await this.flush().catch(() => {});
    };
  }

  /** Counts of a tenant over whole hours from `from` to `to` (epoch ms), with these policies. */
  async analytics(
    tenantId: string,
    from: number,
    to: number,
    policies: string[],
    scopes: readonly string[],
  ): Promise<RateLimitAnalytics> {
    await this.flush();
    const now = this.clock.now();
    const first = Math.floor(from / HOUR_MS);
    const last = Math.floor(to / HOUR_MS);
    const sum = async (name: string) => {
      let total = 0;
      const reads: Promise<number>[] = [];
      for (let h = first; h <= last; h++)
        reads.push(this.counters.get(field(tenantId, h, name), now));
      for (const v of await Promise.all(reads)) total += v;
      return total;
    };
    const pair = async (prefix: string) => {
      const [total, limited] = await Promise.all([
        sum(`${prefix}:total`),
        sum(`${prefix}:limited`),
      ]);
      return { total, limited };
    };
    // Every read at once: a Redis or Postgres counter store answers them in parallel.
    const breakdown = async (prefix: string, names: Iterable<string>) => {
      const list = [...names];
      const counts = await Promise.all(list.map((name) => pair(`${prefix}:${name}`)));
      return Object.fromEntries(
        list.map((name, i) => [name, counts[i]!] as const).filter(([, c]) => c.total > 0),
      );
    };
    const [total, limited, by_scope, by_policy] = await Promise.all([
      sum('total'),
      sum('limited'),
      breakdown('scope', [...scopes, 'bypass']),
      breakdown('policy', new Set([...policies, 'default'])),
    ]);
    return {
      from: new Date(first * HOUR_MS).toISOString(),
      to: new Date((last + 1) * HOUR_MS).toISOString(),
      total,
      limited,
      limited_rate: total > 0 ? limited / total : 0,
      by_scope,
      by_policy,
    };
  }

  /** The keys this node refused most often in the last hour, most first. */
  topLimited(limit: number, tenantId?: string): TopLimited[] {
    const since = this.clock.now() - HOUR_MS;
    const prefix =
      tenantId === undefined ? null : `${tenantId.replace(/[%:]/g, encodeURIComponent)}:`;
    return [...this.top.values()]
      .filter((t) => t.at >= since && (prefix === null || t.key.startsWith(prefix)))
      .sort((a, b) => b.limited - a.limited || b.at - a.at)
      .slice(0, limit)
      .map(({ at: _, ...rest }) => rest);
  }

  private noteLimited(key: string, scope: string, policy: string): void {
    const now = this.clock.now();
    const entry = this.top.get(key);
    if (entry && entry.at >= now - HOUR_MS) {
      entry.limited++;
      entry.at = now;
      entry.last_limited_at = new Date(now).toISOString();
      return;
    }
    if (!entry && this.top.size >= TOP_CAPACITY) this.prune(now);
    this.top.set(key, {
      key,
      scope,
      policy,
      limited: 1,
      at: now,
      last_limited_at: new Date(now).toISOString(),
    });
  }

  /** Drops entries older than an hour, then the least limited, to make room. */
  private prune(now: number): void {
    for (const [key, t] of this.top) if (t.at < now - HOUR_MS) this.top.delete(key);
    if (this.top.size < TOP_CAPACITY) return;
    const least = [...this.top.values()].sort((a, b) => a.limited - b.limited);
    for (const t of least.slice(0, Math.ceil(TOP_CAPACITY / 10))) this.top.delete(t.key);
  }
}
