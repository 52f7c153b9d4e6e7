import { byId } from '../order.js';
import type { QueuedItem, UserQueueStore } from '../types.js';
import type { RedisHandle } from './handle.js';
import { LIST, PUSH, REMOVE, TAKE_EXPIRED } from './lua/user-queues.js';

/**
 * How long a queue's keys outlive its longest item: long enough for the slowest sweep to
 * take an expired item (sweep intervals are at most a day), short enough that a queue
 * nobody sweeps any more does not stay for ever.
 */
const KEY_GRACE_MS = 24 * 60 * 60 * 1000 + 60_000;

/** The JSON an item is kept as; only its own fields, whatever the caller's object holds. */
function toJson(i: QueuedItem): string {
  const { id, tenant_id, user_id, payload, queued_at, expires_at } = i;
  return JSON.stringify({ id, tenant_id, user_id, payload, queued_at, expires_at });
}

const parse = (rows: string[]) => rows.map((row) => JSON.parse(row) as QueuedItem);

/**
 * Per-user queues in Redis: per user a sorted set of ids and a hash of items; per queue a
 * sorted set of every item by expiry (takeExpired, the overall count) and per tenant one
 * (the tenant's count), so that nothing scans. Every change is one script. Expiry is judged
 * at the `now` passed in; the keys' TTLs (a grace period past the items' lifetime, counted by
 * Redis) only let Redis clean up after a queue nobody sweeps.
 */
export class RedisUserQueueStore implements UserQueueStore {
  constructor(private readonly h: RedisHandle) {}

  push(queue: string, items: QueuedItem[], maxPerUser: number): Promise<number> {
    let args: (string | number)[];
    try {
      args = [queue, maxPerUser];
      for (const i of items) {
        const ttl = Math.max(1, Math.ceil(i.expires_at - i.queued_at)) + KEY_GRACE_MS;
        args.push(i.tenant_id, i.user_id, i.id, String(i.expires_at), ttl, toJson(i));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.h.run(async () => {
      if (items.length === 0) return 0;
      return (await this.h.script(PUSH, args)) as number;
    });
  }

  list: UserQueueStore['list'] = (queue, tenantId, userId, now, limit) => {
    return this.h.run(async () => {
      if (limit <= 0) return [];
      return parse((await this.h.script(LIST, [queue, tenantId, userId, now, limit])) as string[]);
    });
  };

  remove(queue: string, tenantId: string, userId: string, ids: string[]): Promise<QueuedItem[]> {
    return this.h.run(async () => {
      if (ids.length === 0) return [];
      const rows = (await this.h.script(REMOVE, [queue, tenantId, userId, ...ids])) as string[];
      return parse(rows).sort(byId);
    });
  }

  takeExpired(queue: string, now: number, limit: number): Promise<QueuedItem[]> {
    return this.h.run(async () => {
      if (limit <= 0) return [];
      const rows = (await this.h.script(TAKE_EXPIRED, [queue, now, limit])) as string[];
      return parse(rows).sort((a, b) => a.expires_at - b.expires_at || byId(a, b));
    });
  }

  count(queue: string, now: number, tenantId?: string): Promise<number> {
    return this.h.run((client) =>
      client.zcount(this.h.names.queueExpiry(queue, tenantId), `(${now}`, '+inf'),
    );
  }
}
