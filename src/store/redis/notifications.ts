import { matchesFeed } from '../feed-filter.js';
import type { NewNotification, NotificationRecord, NotificationStore } from '../types.js';
import { noUnread } from '../unread-counts.js';
import { CHUNK, purgeInChunks } from './chunks.js';
import type { RedisHandle } from './handle.js';
import { insertPayload, toOutcomes } from './insert-payload.js';
import {
  ACTION,
  COUNT_UNREAD,
  DISMISS,
  DISMISS_ALL,
  ERASE_RECIPIENT,
  LIST_ALL,
  LIST_FEED,
  MARK_ALL_READ,
  MARK_READ,
  PURGE_BEFORE,
  PURGE_IDEMPOTENCY,
  REMOVE,
  UPDATE,
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

  /**
   * One page: the index that the read and category filters pick, read in chunks and
   * filtered here by the rest. A page stops after SCAN_BUDGET notifications read, short,
   * with `next` saying where to go on, so a sparse filter never reads a whole feed at once.
   */
  list: NotificationStore['list'] = (query) => {
    const index = this.h.names.feed(query.tenant_id, query.recipient_id, query);
    const desc = query.after === undefined;
    return this.h.run(async () => {
      const items: NotificationRecord[] = [];
      let upper = query.before === undefined ? '+' : `(${query.before}`;
      let lower = query.after === undefined ? '-' : `(${query.after}`;
      let chunk = query.limit + 1;
      let scanned = 0;
      for (;;) {
        const args = [index, upper, chunk, lower, desc ? 'desc' : 'asc'];
        const rows = (await this.h.script(LIST_FEED, args)) as FlatHash[];
        let last = '';
        for (const row of rows) {
          const n = toNotification(hashOf(row));
          last = n.id;
          scanned++;
          if (!matchesFeed(n, query)) continue;
          if (items.length === query.limit) return { items, has_more: true };
          items.push(n);
        }
        if (rows.length < chunk) return { items, has_more: false };
        if (scanned >= SCAN_BUDGET) return { items, has_more: true, next: last };
        if (desc) upper = `(${last}`;
        else lower = `(${last}`;
        chunk = Math.min(chunk * 2, 1000);
      }
    });
  };

  find(tenantId: string, id: string): Promise<NotificationRecord | null> {
    return this.h.run(async (client) => {
      const hash = await client.hgetall(this.h.names.notification(id));
      if (hash.tenant_id !== tenantId || hash.deleted_at !== undefined) return null;
      return toNotification(hash);
    });
  }

  dismiss(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]> {
    return this.h.run(async () => {
      if (ids.length === 0) return [];
      return (await this.h.script(DISMISS, [tenantId, recipientId, at, ...ids])) as string[];
    });
  }

  dismissAll: NotificationStore['dismissAll'] = (tenantId, recipientId, at, category) => {
    return this.h.run(async () => {
      let changed = 0;
      let after = '';
      for (;;) {
        const args = [tenantId, recipientId, at, category ?? '', CHUNK];
        args.push(category === undefined ? 0 : 1, after);
        const [seen, n, last] = (await this.h.script(DISMISS_ALL, args)) as [
          number,
          number,
          string,
        ];
        changed += n;
        if (seen < CHUNK) return changed;
        after = last;
      }
    });
  };

  update: NotificationStore['update'] = (tenantId, id, patch) => {
    const expiry =
      patch.expires_at === undefined
        ? 'keep'
        : patch.expires_at === null
          ? 'none'
          : patch.expires_at;
    const args = [
      tenantId,
      id,
      patch.content === undefined ? '' : JSON.stringify(patch.content),
      patch.actions === undefined ? '' : JSON.stringify(patch.actions),
      expiry,
    ];
    return this.h.run(async () => {
      const row = (await this.h.script(UPDATE, args)) as FlatHash | null;
      return row ? toNotification(hashOf(row)) : null;
    });
  };

  recordAction: NotificationStore['recordAction'] = (tenantId, recipientId, id, actionId, at) => {
    return this.h.run(async () => {
      const args = [tenantId, recipientId, id, actionId, at];
      const [status, row] = (await this.h.script(ACTION, args)) as [string, FlatHash?];
      if (status === 'not_found' || !row) return { status: 'not_found' };
      const notification = toNotification(hashOf(row));
      return status === 'recorded'
        ? { status: 'recorded', notification }
        : { status: 'already', notification };
    });
  };

  purgeBefore(beforeId: string, limit: number): Promise<number> {
    return this.h.run(async () => (await this.h.script(PURGE_BEFORE, [beforeId, limit])) as number);
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

  unreadCounts(tenantId: string, recipientId: string, now?: number) {
    return this.h.run(async () => {
      const args = [tenantId, recipientId, now ?? ''];
      const [byCategory, byPriority, expired] = (await this.h.script(COUNT_UNREAD, args)) as [
        FlatHash,
        FlatHash,
        string[],
      ];
      const counts = noUnread();
      for (const [category, n] of Object.entries(hashOf(byCategory))) {
        counts.by_category[category] = Number(n);
        counts.total += Number(n);
      }
      for (const [priority, n] of Object.entries(hashOf(byPriority))) {
        counts.by_priority[priority] = Number(n);
      }
      for (let i = 0; i < expired.length; i += 2) {
        counts.total--;
        lessOne(counts.by_category, expired[i]);
        if (expired[i + 1]) lessOne(counts.by_priority, expired[i + 1]);
      }
      return counts;
    });
  }

  purgeExpiredIdempotency(now: number): Promise<number> {
    return this.h.run(() => purgeInChunks(this.h, PURGE_IDEMPOTENCY, now));
  }

  heldKeys(tenantId: string, keys: string[], at: number) {
    return this.h.run(async (client) => {
      const pipeline = client.pipeline();
      for (const key of keys)
        pipeline.hmget(
          this.h.names.name('idem', tenantId, key),
          'notification_id',
          'request_id',
          'expires_at',
        );
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([err, reply]) => {
        if (err) throw err;
        const [notification_id, request_id, expires] = reply as Array<string | null>;
        if (!notification_id || !request_id || Number(expires) <= at) return null;
        return { notification_id, request_id };
      });
    });
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

/** How many notifications one feed page reads at most before answering short. */
const SCAN_BUDGET = 5000;

function lessOne(counts: Record<string, number>, key: string): void {
  const n = (counts[key] ?? 0) - 1;
  if (n > 0) counts[key] = n;
  else delete counts[key];
}
