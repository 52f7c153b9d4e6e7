import type {
  FeedQuery,
  NewNotification,
  NotificationRecord,
  NotificationStore,
} from '../types.js';
import { CHUNK, purgeInChunks } from './chunks.js';
import type { RedisHandle } from './handle.js';
import { insertPayload, toOutcomes } from './insert-payload.js';
import {
  ERASE_RECIPIENT,
  LIST_ALL,
  LIST_FEED,
  MARK_ALL_READ,
  MARK_READ,
  PURGE_IDEMPOTENCY,
  REMOVE,
} from './lua/feed.js';
import { INSERT } from './lua/insert.js';
import { type FlatHash, hashOf, toNotification } from './records.js';

/** Notifications and feeds in Redis: a hash per notification, sorted sets per feed filter. */
export class RedisNotificationStore implements NotificationStore {
  constructor(private readonly h: RedisHandle) {}

  insert(items: NewNotification[]) {
    let payload: string;
    try {
      payload = insertPayload(items);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.h.run(async () => {
      if (items.length === 0) return [];
      return toOutcomes((await this.h.script(INSERT, [payload])) as string[][]);
    });
  }

  get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null> {
    return this.h.run(async (client) => {
      const hash = await client.hgetall(this.h.names.notification(id));
      if (hash.tenant_id !== tenantId || hash.recipient_id !== recipientId) return null;
      return hash.deleted_at === undefined ? toNotification(hash) : null;
    });
  }

  list(query: FeedQuery) {
    const index = this.h.names.feed(query.tenant_id, query.recipient_id, query);
    const upper = query.before === undefined ? '+' : `(${query.before}`;
    const lower = query.after === undefined ? '-' : `(${query.after}`;
    const order = query.after === undefined ? 'desc' : 'asc';
    return this.h.run(async () => {
      const args = [index, upper, query.limit + 1, lower, order];
      const rows = (await this.h.script(LIST_FEED, args)) as FlatHash[];
      return {
        items: rows.slice(0, query.limit).map((row) => toNotification(hashOf(row))),
        has_more: rows.length > query.limit,
      };
    });
  }

  markRead(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]> {
    return this.h.run(async () => {
      if (ids.length === 0) return [];
      return (await this.h.script(MARK_READ, [tenantId, recipientId, at, ...ids])) as string[];
    });
  }

  markAllRead: NotificationStore['markAllRead'] = (tenantId, recipientId, at, category) => {
    const args = [tenantId, recipientId, at, category ?? '', CHUNK, category === undefined ? 0 : 1];
    return this.h.run(async () => {
      let changed = 0;
      for (;;) {
        const [seen, n] = (await this.h.script(MARK_ALL_READ, args)) as [number, number];
        changed += n;
        if (seen < CHUNK) return changed;
      }
    });
  };

  remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    return this.h.run(
      async () => (await this.h.script(REMOVE, [tenantId, recipientId, id, at])) === 1,
    );
  }

  unreadCounts(tenantId: string, recipientId: string) {
    return this.h.run(async (client) => {
      const by_category: Record<string, number> = {};
      let total = 0;
      const counts = await client.hgetall(this.h.names.unreadCounts(tenantId, recipientId));
      for (const [category, n] of Object.entries(counts)) {
        by_category[category] = Number(n);
        total += Number(n);
      }
      return { total, by_category };
    });
  }

  purgeExpiredIdempotency(now: number): Promise<number> {
    return this.h.run(() => purgeInChunks(this.h, PURGE_IDEMPOTENCY, now));
  }

  listAll(tenantId: string, recipientId: string, after: string | null, limit: number) {
    const lower = after === null ? '-' : `(${after}`;
    return this.h.run(async () => {
      const rows = (await this.h.script(LIST_ALL, [
        tenantId,
        recipientId,
        lower,
        limit,
      ])) as FlatHash[];
      return rows.filter((r) => r.length > 0).map((r) => toNotification(hashOf(r)));
    });
  }

  eraseRecipient(tenantId: string, recipientId: string, limit: number): Promise<number> {
    return this.h.run(
      async () => (await this.h.script(ERASE_RECIPIENT, [tenantId, recipientId, limit])) as number,
    );
  }
}
