import type { TopicMemberStore } from '../../recipients/store.js';
import type { RedisHandle } from './handle.js';
import { ADD_MEMBERS, CLEAR_MEMBERS, LEAVE_ALL, REMOVE_MEMBERS } from './lua/recipients.js';

/** Topic memberships in Redis: members per topic (by id), topics per subscriber. */
export class RedisTopicMemberStore implements TopicMemberStore {
  constructor(private readonly h: RedisHandle) {}

  add(tenantId: string, topic: string, subscriberIds: string[]) {
    return this.h.run(async () => {
      if (subscriberIds.length === 0) return 0;
      return (await this.h.script(ADD_MEMBERS, [tenantId, topic, ...subscriberIds])) as number;
    });
  }

  remove(tenantId: string, topic: string, subscriberIds: string[]) {
    return this.h.run(async () => {
      if (subscriberIds.length === 0) return 0;
      return (await this.h.script(REMOVE_MEMBERS, [tenantId, topic, ...subscriberIds])) as number;
    });
  }

  list(tenantId: string, topic: string, after: string | null, limit: number) {
    const lower = after === null ? '-' : `(${after}`;
    return this.h.run((client) =>
      client.zrangebylex(this.h.names.name('tm', tenantId, topic), lower, '+', 'LIMIT', 0, limit),
    );
  }

  count(tenantId: string, topic: string) {
    return this.h.run((client) => client.zcard(this.h.names.name('tm', tenantId, topic)));
  }

  clear(tenantId: string, topic: string, limit: number) {
    return this.h.run(
      async () => (await this.h.script(CLEAR_MEMBERS, [tenantId, topic, limit])) as number,
    );
  }

  topicsOf(tenantId: string, subscriberId: string) {
    return this.h.run(async (client) =>
      (await client.smembers(this.h.names.name('st', tenantId, subscriberId))).sort(),
    );
  }

  leaveAll(tenantId: string, subscriberId: string) {
    return this.h.run(
      async () => (await this.h.script(LEAVE_ALL, [tenantId, subscriberId])) as number,
    );
  }
}
