import type { TopicMemberStore } from '../../recipients/store.js';
import type { SqliteHandle } from './handle.js';
import { deleteOfSubscriber, prep } from './prepared.js';

/** Topic memberships in SQLite. */
export class SqliteTopicMemberStore implements TopicMemberStore {
  private readonly addTx: (t: string, topic: string, ids: string[], at: number) => number;
  private readonly removeTx: (t: string, topic: string, ids: string[]) => number;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    const insert = db.prepare(
      'INSERT OR IGNORE INTO topic_members (tenant_id, topic, subscriber_id, added_at) VALUES (?, ?, ?, ?)',
    );
    const del = db.prepare(
      'DELETE FROM topic_members WHERE tenant_id = ? AND topic = ? AND subscriber_id = ?',
    );
    this.addTx = db.transaction((t: string, topic: string, ids: string[], at: number) => {
      let n = 0;
      for (const id of new Set(ids)) n += insert.run(t, topic, id, at).changes;
      return n;
    });
    this.removeTx = db.transaction((t: string, topic: string, ids: string[]) => {
      let n = 0;
      for (const id of new Set(ids)) n += del.run(t, topic, id).changes;
      return n;
    });
  }

  add(tenantId: string, topic: string, subscriberIds: string[], at: number) {
    return this.h.run(() => this.addTx(tenantId, topic, subscriberIds, at));
  }

  remove(tenantId: string, topic: string, subscriberIds: string[]) {
    return this.h.run(() => this.removeTx(tenantId, topic, subscriberIds));
  }

  list(tenantId: string, topic: string, after: string | null, limit: number) {
    return this.h.run(() =>
      (
        prep(
          this.h,
          `SELECT subscriber_id FROM topic_members WHERE tenant_id = ? AND topic = ?
             AND subscriber_id > ? ORDER BY subscriber_id LIMIT ?`,
        ).all(tenantId, topic, after ?? '', limit) as Array<{ subscriber_id: string }>
      ).map((r) => r.subscriber_id),
    );
  }

  count(tenantId: string, topic: string) {
    return this.h.run(
      () =>
        (
          prep(
            this.h,
            'SELECT COUNT(*) AS n FROM topic_members WHERE tenant_id = ? AND topic = ?',
          ).get(tenantId, topic) as { n: number }
        ).n,
    );
  }

  clear(tenantId: string, topic: string, limit: number) {
    return this.h.run(
      () =>
        prep(
          this.h,
          `DELETE FROM topic_members WHERE tenant_id = ? AND topic = ? AND subscriber_id IN
             (SELECT subscriber_id FROM topic_members WHERE tenant_id = ? AND topic = ?
              ORDER BY subscriber_id LIMIT ?)`,
        ).run(tenantId, topic, tenantId, topic, limit).changes,
    );
  }

  topicsOf(tenantId: string, subscriberId: string) {
    return this.h.run(() =>
      (
        prep(
          this.h,
          'SELECT topic FROM topic_members WHERE tenant_id = ? AND subscriber_id = ? ORDER BY topic',
        ).all(tenantId, subscriberId) as Array<{ topic: string }>
      ).map((r) => r.topic),
    );
  }

  leaveAll(tenantId: string, subscriberId: string) {
    return this.h.run(() => deleteOfSubscriber(this.h, 'topic_members', tenantId, subscriberId));
  }
}
