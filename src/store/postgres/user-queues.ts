import { byId } from '../order.js';
import type { QueuedItem, UserQueueStore } from '../types.js';
import type { PostgresHandle } from './handle.js';

const COLUMNS = 'tenant_id, user_id, id, payload, queued_at, expires_at';

/**
 * The first key of the advisory locks a push takes per user (the second is a hash of the
 * schema, queue, tenant and user): pushes to one user then trim one after the other, so
 * two at once cannot both keep the cap's worth and leave the user over it.
 */
const PUSH_LOCK = 0x6e747571; // 'ntuq'

/**
 * Per-user queues in PostgreSQL: one table keyed by (queue, tenant, user, id). Expiry is
 * judged at the `now` passed in, never at the server's clock.
 */
export class PostgresUserQueueStore implements UserQueueStore {
  private readonly q: string;
  private readonly lockSql: string;
  private readonly insertSql: string;
  private readonly trimSql: string;
  private readonly takeSql: string;

  constructor(private readonly h: PostgresHandle) {
    this.q = h.t.userQueues;
    // Locks in hash order, so two pushes sharing users wait for each other, never deadlock.
    this.lockSql = `
      SELECT pg_advisory_xact_lock(${PUSH_LOCK}, l.h) FROM (
        SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1
      ) AS l`;
    this.insertSql = `
      INSERT INTO ${this.q} (queue, ${COLUMNS})
      SELECT $1, ${COLUMNS} FROM jsonb_to_recordset($2::jsonb) AS x(
        tenant_id text, user_id text, id text, payload text, queued_at bigint, expires_at bigint)
      ON CONFLICT DO NOTHING`;
    // Per touched user, everything past the maxPerUser highest ids (read backwards on the key).
    this.trimSql = `
      DELETE FROM ${this.q} AS q USING (
        SELECT o.tenant_id, o.user_id, o.id
        FROM unnest($2::text[], $3::text[]) AS u(tenant_id, user_id)
        CROSS JOIN LATERAL (
          SELECT tenant_id, user_id, id FROM ${this.q}
          WHERE queue = $1 AND tenant_id = u.tenant_id AND user_id = u.user_id
          ORDER BY id DESC OFFSET $4
        ) AS o
      ) AS d
      WHERE q.queue = $1 AND q.tenant_id = d.tenant_id AND q.user_id = d.user_id AND q.id = d.id`;
    // FOR UPDATE SKIP LOCKED lets sweepers on several nodes take at once: a row another
    // sweep is deleting is skipped, and one it deleted is gone once that commits.
    this.takeSql = `
      DELETE FROM ${this.q} WHERE (queue, tenant_id, user_id, id) IN (
        SELECT queue, tenant_id, user_id, id FROM ${this.q}
        WHERE queue = $1 AND expires_at <= $2
        ORDER BY expires_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      )
      RETURNING ${COLUMNS}`;
  }

  async push(queue: string, items: QueuedItem[], maxPerUser: number): Promise<number> {
    this.h.check();
    if (items.length === 0) return 0;
    const users = new Map<string, [string, string]>();
    for (const i of items) users.set(`${i.tenant_id}\u0000${i.user_id}`, [i.tenant_id, i.user_id]);
    const pairs = [...users.values()];
    const rows = JSON.stringify(
      items.map(({ tenant_id, user_id, id, payload, queued_at, expires_at }) => ({
        tenant_id,
        user_id,
        id,
        payload,
        queued_at,
        expires_at,
      })),
    );
    // Text may not hold NUL, so the lock keys are JSON.
    const lockKeys = pairs.map((pair) => JSON.stringify([this.h.t.schema, queue, ...pair]));
    return this.h.transaction(async (client) => {
      await client.query(this.lockSql, [lockKeys]);
      await client.query(this.insertSql, [queue, rows]);
      const trimmed = await client.query(this.trimSql, [
        queue,
        pairs.map(([t]) => t),
        pairs.map(([, u]) => u),
        maxPerUser,
      ]);
      return trimmed.rowCount ?? 0;
    });
  }

  list: UserQueueStore['list'] = async (queue, tenantId, userId, now, limit) => {
    this.h.check();
    if (limit <= 0) return [];
    const { rows } = await this.h.query<QueuedItem>(
      `SELECT ${COLUMNS} FROM ${this.q}
       WHERE queue = $1 AND tenant_id = $2 AND user_id = $3 AND expires_at > $4
       ORDER BY id LIMIT $5`,
      [queue, tenantId, userId, now, limit],
    );
    return rows;
  };

  remove: UserQueueStore['remove'] = async (queue, tenantId, userId, ids) => {
    this.h.check();
    if (ids.length === 0) return [];
    const { rows } = await this.h.query<QueuedItem>(
      `DELETE FROM ${this.q}
       WHERE queue = $1 AND tenant_id = $2 AND user_id = $3 AND id = ANY($4::text[])
       RETURNING ${COLUMNS}`,
      [queue, tenantId, userId, ids],
    );
    // RETURNING gives rows in no promised order.
    return rows.sort(byId);
  };

  async takeExpired(queue: string, now: number, limit: number): Promise<QueuedItem[]> {
    this.h.check();
    if (limit <= 0) return [];
    const { rows } = await this.h.query<QueuedItem>(this.takeSql, [queue, now, limit]);
    return rows.sort((a, b) => a.expires_at - b.expires_at || byId(a, b));
  }

  async count(queue: string, now: number, tenantId?: string): Promise<number> {
    const { rows } =
      tenantId === undefined
        ? await this.h.query<{ n: number }>(
            `SELECT COUNT(*) AS n FROM ${this.q} WHERE queue = $1 AND expires_at > $2`,
            [queue, now],
          )
        : await this.h.query<{ n: number }>(
            `SELECT COUNT(*) AS n FROM ${this.q}
             WHERE queue = $1 AND tenant_id = $2 AND expires_at > $3`,
            [queue, tenantId, now],
          );
    return rows[0].n;
  }
}
