import { byId } from '../order.js';
import type { QueuedItem, UserQueueStore } from '../types.js';
import { entryOf } from './maps.js';
import type { OpenState } from './open-state.js';

/** One user's queue: items by id. */
type Queue = Map<string, QueuedItem>;

const userKey = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;

/** Per-user queues in memory; single-threaded, so every call is atomic. */
export class MemoryUserQueueStore implements UserQueueStore {
  private readonly queues = new Map<string, Map<string, Queue>>();

  constructor(private readonly state: OpenState) {}

  private users(queue: string): Map<string, Queue> {
    return entryOf(this.queues, queue, () => new Map());
  }

  async push(queue: string, items: QueuedItem[], maxPerUser: number): Promise<number> {
    this.state.check();
    const users = this.users(queue);
    const touched = new Set<string>();
    for (const item of items) {
      const key = userKey(item.tenant_id, item.user_id);
      const q = entryOf(users, key, (): Queue => new Map());
      if (!q.has(item.id)) q.set(item.id, { ...item });
      touched.add(key);
    }
    let dropped = 0;
    for (const key of touched) {
      const q = users.get(key)!;
      if (q.size <= maxPerUser) continue;
      const oldest = [...q.values()].sort(byId).slice(0, q.size - maxPerUser);
      for (const item of oldest) q.delete(item.id);
      dropped += oldest.length;
    }
    return dropped;
  }

  list: UserQueueStore['list'] = async (queue, tenantId, userId, now, limit) => {
    this.state.check();
    const q = this.queues.get(queue)?.get(userKey(tenantId, userId));
    if (!q || limit <= 0) return [];
    return [...q.values()]
      .filter((item) => item.expires_at > now)
      .sort(byId)
      .slice(0, limit)
      .map((item) => ({ ...item }));
  };

  remove: UserQueueStore['remove'] = async (queue, tenantId, userId, ids) => {
    this.state.check();
    const key = userKey(tenantId, userId);
    const q = this.queues.get(queue)?.get(key);
    if (!q) return [];
    const removed: QueuedItem[] = [];
    for (const id of new Set(ids)) {
      const item = q.get(id);
      if (!item) continue;
      q.delete(id);
      removed.push(item);
    }
    if (q.size === 0) this.queues.get(queue)!.delete(key);
    return removed.sort(byId);
  };

  async takeExpired(queue: string, now: number, limit: number): Promise<QueuedItem[]> {
    this.state.check();
    const users = this.queues.get(queue);
    if (!users || limit <= 0) return [];
    const expired: QueuedItem[] = [];
    for (const q of users.values()) {
      for (const item of q.values()) if (item.expires_at <= now) expired.push(item);
    }
    expired.sort((a, b) => a.expires_at - b.expires_at || byId(a, b));
    const taken = expired.slice(0, limit);
    for (const item of taken) {
      const key = userKey(item.tenant_id, item.user_id);
      const q = users.get(key)!;
      q.delete(item.id);
      if (q.size === 0) users.delete(key);
    }
    return taken;
  }

  async count(queue: string, now: number, tenantId?: string): Promise<number> {
    this.state.check();
    let n = 0;
    for (const q of this.queues.get(queue)?.values() ?? []) {
      for (const item of q.values()) {
        if (item.expires_at > now && (tenantId === undefined || item.tenant_id === tenantId)) n++;
      }
    }
    return n;
  }
}
