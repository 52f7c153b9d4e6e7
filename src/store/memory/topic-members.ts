import type { TopicMemberStore } from '../../recipients/store.js';
import { entryOf, joinKey as key } from './maps.js';
import type { OpenState } from './open-state.js';
import { type SortedIds, sortedIdsOf } from './sorted-ids.js';

/** Topic memberships in memory: members per topic, and topics per subscriber. */
export class MemoryTopicMemberStore implements TopicMemberStore {
  private readonly members = new Map<string, SortedIds>();
  private readonly topics = new Map<string, Set<string>>();

  constructor(private readonly state: OpenState) {}

  async add(tenantId: string, topic: string, subscriberIds: string[]) {
    this.state.check();
    const members = sortedIdsOf(this.members, key(tenantId, topic));
    let added = 0;
    for (const id of new Set(subscriberIds)) {
      const topics = entryOf(this.topics, key(tenantId, id), () => new Set<string>());
      if (topics.has(topic)) continue;
      topics.add(topic);
      members.add(id);
      added++;
    }
    return added;
  }

  async remove(tenantId: string, topic: string, subscriberIds: string[]) {
    this.state.check();
    const members = this.members.get(key(tenantId, topic));
    let removed = 0;
    for (const id of new Set(subscriberIds)) {
      if (members?.delete(id)) {
        this.topics.get(key(tenantId, id))?.delete(topic);
        removed++;
      }
    }
    return removed;
  }

  async list(tenantId: string, topic: string, after: string | null, limit: number) {
    this.state.check();
    const out: string[] = [];
    for (const id of this.members.get(key(tenantId, topic))?.ascendingAfter(after ?? '') ?? []) {
      if (out.length >= limit) break;
      out.push(id);
    }
    return out;
  }

  async count(tenantId: string, topic: string) {
    this.state.check();
    return this.members.get(key(tenantId, topic))?.size ?? 0;
  }

  async clear(tenantId: string, topic: string, limit: number) {
    const ids = await this.list(tenantId, topic, null, limit);
    return this.remove(tenantId, topic, ids);
  }

  async topicsOf(tenantId: string, subscriberId: string) {
    this.state.check();
    return [...(this.topics.get(key(tenantId, subscriberId)) ?? [])].sort();
  }

  async leaveAll(tenantId: string, subscriberId: string) {
    let n = 0;
    for (const topic of await this.topicsOf(tenantId, subscriberId)) {
      n += await this.remove(tenantId, topic, [subscriberId]);
    }
    return n;
  }
}
