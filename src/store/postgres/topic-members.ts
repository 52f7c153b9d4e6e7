import type { TopicMemberStore } from '../../recipients/store.js';
import type { PostgresHandle } from './handle.js';

/** Topic memberships in PostgreSQL. */
export class PostgresTopicMemberStore implements TopicMemberStore {
  private readonly m: string;

  constructor(private readonly h: PostgresHandle) {
    this.m = h.t.topicMembers;
  }

  async add(tenantId: string, topic: string, subscriberIds: string[], at: number) {
    const ids = [...new Set(subscriberIds)];
    if (ids.length === 0) return 0;
    const { rowCount } = await this.h.query(
      `INSERT INTO ${this.m} (tenant_id, topic, subscriber_id, added_at)
       SELECT $1, $2, unnest($3::text[]), $4 ON CONFLICT DO NOTHING`,
      [tenantId, topic, ids, at],
    );
    return rowCount;
  }

  async remove(tenantId: string, topic: string, subscriberIds: string[]) {
    if (subscriberIds.length === 0) return 0;
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.m} WHERE tenant_id = $1 AND topic = $2 AND subscriber_id = ANY($3)`,
      [tenantId, topic, [...new Set(subscriberIds)]],
    );
    return rowCount;
  }

  async list(tenantId: string, topic: string, after: string | null, limit: number) {
    const { rows } = await this.h.query<{ subscriber_id: string }>(
      `SELECT subscriber_id FROM ${this.m} WHERE tenant_id = $1 AND topic = $2
       AND subscriber_id > $3 ORDER BY subscriber_id LIMIT $4`,
      [tenantId, topic, after ?? '', limit],
    );
    return rows.map((r) => r.subscriber_id);
  }

  async count(tenantId: string, topic: string) {
    const { rows } = await this.h.query<{ n: string }>(
      `SELECT COUNT(*)::int AS n FROM ${this.m} WHERE tenant_id = $1 AND topic = $2`,
      [tenantId, topic],
    );
    return Number(rows[0].n);
  }

  async clear(tenantId: string, topic: string, limit: number) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.m} WHERE tenant_id = $1 AND topic = $2 AND subscriber_id IN
       (SELECT subscriber_id FROM ${this.m} WHERE tenant_id = $1 AND topic = $2
        ORDER BY subscriber_id LIMIT $3)`,
      [tenantId, topic, limit],
    );
    return rowCount;
  }

  async topicsOf(tenantId: string, subscriberId: string) {
    const { rows } = await this.h.query<{ topic: string }>(
      `SELECT topic FROM ${this.m} WHERE tenant_id = $1 AND subscriber_id = $2 ORDER BY topic`,
      [tenantId, subscriberId],
    );
    return rows.map((r) => r.topic);
  }

  async leaveAll(tenantId: string, subscriberId: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.m} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rowCount;
  }
}
