import { isExpired, matchesFeed } from '../feed-filter.js';
import type { NewNotification, NotificationRecord, NotificationStore } from '../types.js';
import { noUnread } from '../unread-counts.js';
import type { MemoryDeliveryQueue } from './deliveries.js';
import { MemoryIdempotency } from './idempotency.js';
import { planInsert } from './insert.js';
import { entryOf } from './maps.js';
import type { OpenState } from './open-state.js';
import type { MemoryRequestStore } from './requests.js';
import { SortedIds, sortedIdsOf } from './sorted-ids.js';

/** Notifications and feeds in memory: one id list per recipient, unread ids kept apart. */
export class MemoryNotificationStore implements NotificationStore {
  private readonly byId = new Map<string, NotificationRecord>();
  private readonly feeds = new Map<string, SortedIds>();
  private readonly unread = new Map<string, Set<string>>();
  /** Every notification id, for the retention purge. */
  private readonly all = new SortedIds();
  private readonly idempotency = new MemoryIdempotency();

  constructor(
    private readonly state: OpenState,
    private readonly deliveries: MemoryDeliveryQueue,
    private readonly requests: MemoryRequestStore,
  ) {}

  async insert(items: NewNotification[]) {
    this.state.check();
    const plan = planInsert(items, this.idempotency, (id) => this.byId.has(id), this.deliveries);
    for (const item of plan.writes) {
      const n = structuredClone(item.notification);
      this.byId.set(n.id, n);
      this.all.add(n.id);
      sortedIdsOf(this.feeds, feedKey(n.tenant_id, n.recipient_id)).add(n.id);
      if (n.read_at === null && n.deleted_at === null) this.unreadOf(n).add(n.id);
      for (const d of item.deliveries) this.deliveries.store(d);
      if (item.request) this.requests.store(item.request);
    }
    for (const { tenantId, key, claim } of plan.claims) this.idempotency.set(tenantId, key, claim);
    return plan.outcomes;
  }

  async get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null> {
    this.state.check();
    const n = this.visible(tenantId, recipientId, id);
    return n ? structuredClone(n) : null;
  }

  async find(tenantId: string, id: string): Promise<NotificationRecord | null> {
    this.state.check();
    const n = this.byId.get(id);
    return n && n.tenant_id === tenantId && n.deleted_at === null ? structuredClone(n) : null;
  }

  list: NotificationStore['list'] = async (query) => {
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
      if (!matchesFeed(n, query)) continue;
      if (items.length === query.limit) {
        has_more = true;
        break;
      }
      items.push(structuredClone(n));
    }
    return { items, has_more };
  };

  markRead: NotificationStore['markRead'] = async (tenantId, recipientId, ids, at) => {
    this.state.check();
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const n = this.visible(tenantId, recipientId, id);
      if (n && this.read(n, at)) changed.push(id);
    }
    return changed;
  };

  markAllRead: NotificationStore['markAllRead'] = async (tenantId, recipientId, at, category) => {
    this.state.check();
    let changed = 0;
    for (const id of [...(this.unread.get(feedKey(tenantId, recipientId)) ?? [])]) {
      const n = this.byId.get(id)!;
      if (category !== undefined && n.category !== category) continue;
      if (this.read(n, at)) changed++;
    }
    return changed;
  };

  dismiss: NotificationStore['dismiss'] = async (tenantId, recipientId, ids, at) => {
    this.state.check();
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const n = this.visible(tenantId, recipientId, id);
      if (!n || n.dismissed_at !== null) continue;
      n.dismissed_at = at;
      this.read(n, at);
      changed.push(id);
    }
    return changed;
  };

  dismissAll: NotificationStore['dismissAll'] = async (tenantId, recipientId, at, category) => {
    this.state.check();
    let changed = 0;
    for (const id of this.feeds.get(feedKey(tenantId, recipientId))?.ascending() ?? []) {
      const n = this.byId.get(id)!;
      if (n.deleted_at !== null || n.dismissed_at !== null) continue;
      if (category !== undefined && n.category !== category) continue;
      n.dismissed_at = at;
      this.read(n, at);
      changed++;
    }
    return changed;
  };

  update: NotificationStore['update'] = async (tenantId, id, patch) => {
    this.state.check();
    const n = this.byId.get(id);
    if (!n || n.tenant_id !== tenantId || n.deleted_at !== null) return null;
    if (patch.content !== undefined) n.content = structuredClone(patch.content);
    if (patch.actions !== undefined) n.actions = structuredClone(patch.actions);
    if (patch.expires_at !== undefined) n.expires_at = patch.expires_at;
    return structuredClone(n);
  };

  recordAction: NotificationStore['recordAction'] = async (
    tenantId,
    recipientId,
    id,
    actionId,
    at,
  ) => {
    this.state.check();
    const n = this.visible(tenantId, recipientId, id);
    if (!n) return { status: 'not_found' };
    if (n.action_id !== null) return { status: 'already', notification: structuredClone(n) };
    n.action_id = actionId;
    n.actioned_at = at;
    return { status: 'recorded', notification: structuredClone(n) };
  };

  async remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    this.state.check();
    const n = this.visible(tenantId, recipientId, id);
    if (!n) return false;
    this.unread.get(feedKey(n.tenant_id, n.recipient_id))?.delete(n.id);
    n.deleted_at = at;
    return true;
  }

  async unreadCounts(tenantId: string, recipientId: string, now?: number) {
    this.state.check();
    const counts = noUnread();
    for (const id of this.unread.get(feedKey(tenantId, recipientId)) ?? []) {
      const n = this.byId.get(id)!;
      if (now !== undefined && isExpired(n, now)) continue;
      counts.total++;
      counts.by_category[n.category] = (counts.by_category[n.category] ?? 0) + 1;
      counts.by_priority[n.priority] = (counts.by_priority[n.priority] ?? 0) + 1;
    }
    return counts;
  }

  async purgeBefore(beforeId: string, limit: number): Promise<number> {
    this.state.check();
    const old: string[] = [];
    for (const id of this.all.ascendingAfter('', beforeId)) {
      if (old.length === limit) break;
      old.push(id);
    }
    for (const id of old) {
      const n = this.byId.get(id)!;
      const key = feedKey(n.tenant_id, n.recipient_id);
      this.feeds.get(key)?.delete(id);
      this.unread.get(key)?.delete(id);
      this.all.delete(id);
      this.byId.delete(id);
      this.deliveries.forget(id);
    }
    return old.length;
  }

  async purgeExpiredIdempotency(now: number): Promise<number> {
    this.state.check();
    return this.idempotency.purge(now);
  }

  async heldKeys(tenantId: string, keys: string[], at: number) {
    this.state.check();
    return keys.map((key) => {
      const claim = this.idempotency.held(tenantId, key, at);
      return claim
        ? { notification_id: claim.notification_id, request_id: claim.request_id }
        : null;
    });
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
      this.unread.get(key)?.delete(id);
      this.all.delete(id);
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

  /** Reads a stored notification if unread; true when it changed. */
  private read(n: NotificationRecord, at: number): boolean {
    if (n.read_at !== null) return false;
    n.read_at = at;
    this.unreadOf(n).delete(n.id);
    return true;
  }

  private unreadOf(n: NotificationRecord): Set<string> {
    return entryOf(this.unread, feedKey(n.tenant_id, n.recipient_id), () => new Set<string>());
  }
}

function feedKey(tenantId: string, recipientId: string): string {
  return `${tenantId}\u0000${recipientId}`;
}
