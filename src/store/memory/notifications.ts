import type {
  FeedQuery,
  NewNotification,
  NotificationRecord,
  NotificationStore,
} from '../types.js';
import type { MemoryDeliveryQueue } from './deliveries.js';
import { MemoryIdempotency } from './idempotency.js';
import { planInsert } from './insert.js';
import { entryOf } from './maps.js';
import type { OpenState } from './open-state.js';
import { type SortedIds, sortedIdsOf } from './sorted-ids.js';

/** Notifications and feeds in memory: one id list per recipient, unread counts kept current. */
export class MemoryNotificationStore implements NotificationStore {
  private readonly byId = new Map<string, NotificationRecord>();
  private readonly feeds = new Map<string, SortedIds>();
  private readonly unread = new Map<string, Map<string, number>>();
  private readonly idempotency = new MemoryIdempotency();

  constructor(
    private readonly state: OpenState,
    private readonly deliveries: MemoryDeliveryQueue,
  ) {}

  async insert(items: NewNotification[]) {
    this.state.check();
    const plan = planInsert(items, this.idempotency, (id) => this.byId.has(id), this.deliveries);
    for (const item of plan.writes) {
      const n = structuredClone(item.notification);
      this.byId.set(n.id, n);
      sortedIdsOf(this.feeds, feedKey(n.tenant_id, n.recipient_id)).add(n.id);
      if (n.read_at === null && n.deleted_at === null) this.countUnread(n, 1);
      for (const d of item.deliveries) this.deliveries.store(d);
    }
    for (const { tenantId, key, claim } of plan.claims) this.idempotency.set(tenantId, key, claim);
    return plan.outcomes;
  }

  async get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null> {
    this.state.check();
    const n = this.visible(tenantId, recipientId, id);
    return n ? structuredClone(n) : null;
  }

  async list(query: FeedQuery) {
    this.state.check();
    const feed = this.feeds.get(feedKey(query.tenant_id, query.recipient_id));
    const items: NotificationRecord[] = [];
    let has_more = false;
    const order =
      query.after === undefined
        ? feed?.descending(query.before)
        : feed?.ascendingAfter(query.after, query.before);
    for (const id of order ?? []) {
      const n = this.byId.get(id)!;
      if (n.deleted_at !== null) continue;
      if (query.read !== undefined && (n.read_at !== null) !== query.read) continue;
      if (query.category !== undefined && n.category !== query.category) continue;
      if (items.length === query.limit) {
        has_more = true;
        break;
      }
      items.push(structuredClone(n));
    }
    return { items, has_more };
  }

  markRead: NotificationStore['markRead'] = async (tenantId, recipientId, ids, at) => {
    this.state.check();
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const n = this.visible(tenantId, recipientId, id);
      if (!n || n.read_at !== null) continue;
      n.read_at = at;
      this.countUnread(n, -1);
      changed.push(id);
    }
    return changed;
  };

  markAllRead: NotificationStore['markAllRead'] = async (tenantId, recipientId, at, category) => {
    this.state.check();
    let changed = 0;
    for (const id of this.feeds.get(feedKey(tenantId, recipientId))?.ascending() ?? []) {
      const n = this.byId.get(id)!;
      if (n.read_at !== null || n.deleted_at !== null) continue;
      if (category !== undefined && n.category !== category) continue;
      n.read_at = at;
      this.countUnread(n, -1);
      changed++;
    }
    return changed;
  };

  async remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    this.state.check();
    const n = this.visible(tenantId, recipientId, id);
    if (!n) return false;
    if (n.read_at === null) this.countUnread(n, -1);
    n.deleted_at = at;
    return true;
  }

  async unreadCounts(tenantId: string, recipientId: string) {
    this.state.check();
    const by_category: Record<string, number> = {};
    let total = 0;
    for (const [category, count] of this.unread.get(feedKey(tenantId, recipientId)) ?? []) {
      by_category[category] = count;
      total += count;
    }
    return { total, by_category };
  }

  async purgeExpiredIdempotency(now: number): Promise<number> {
    this.state.check();
    return this.idempotency.purge(now);
  }

  async listAll(tenantId: string, recipientId: string, after: string | null, limit: number) {
    this.state.check();
    const feed = this.feeds.get(feedKey(tenantId, recipientId));
    const out: NotificationRecord[] = [];
    for (const id of feed?.ascendingAfter(after ?? '') ?? []) {
      if (out.length >= limit) break;
      out.push(structuredClone(this.byId.get(id)!));
    }
    return out;
  }

  async eraseRecipient(tenantId: string, recipientId: string, limit: number): Promise<number> {
    this.state.check();
    const key = feedKey(tenantId, recipientId);
    const feed = this.feeds.get(key);
    if (!feed) return 0;
    const ids = feed.ascending().slice(0, limit);
    for (const id of ids) {
      const n = this.byId.get(id)!;
      if (n.read_at === null && n.deleted_at === null) this.countUnread(n, -1);
      if (n.idempotency_key !== null) this.idempotency.forget(tenantId, n.idempotency_key, id);
      this.deliveries.forget(id);
      this.byId.delete(id);
      feed.delete(id);
    }
    if (feed.size === 0) this.feeds.delete(key);
    return ids.length;
  }

  /** The stored record (not a copy) if it is this recipient's and not deleted. */
  private visible(tenantId: string, recipientId: string, id: string) {
    const n = this.byId.get(id);
    if (!n || n.tenant_id !== tenantId || n.recipient_id !== recipientId) return undefined;
    return n.deleted_at === null ? n : undefined;
  }

  private countUnread(n: NotificationRecord, delta: number): void {
    const key = feedKey(n.tenant_id, n.recipient_id);
    const counts = entryOf(this.unread, key, () => new Map<string, number>());
    const next = (counts.get(n.category) ?? 0) + delta;
    if (next > 0) counts.set(n.category, next);
    else counts.delete(n.category);
  }
}

function feedKey(tenantId: string, recipientId: string): string {
  return `${tenantId}\u0000${recipientId}`;
}
