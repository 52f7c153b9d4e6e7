import { byDueThenId, inOrderOf } from '../order.js';
import type { DeliveryQueue, DeliveryRecord } from '../types.js';
import type { PostgresHandle } from './handle.js';
import { DELIVERY_COLUMNS, DELIVERY_RECORDSET, type DeliveryRow } from './rows.js';

/** Deliveries and the work queue in PostgreSQL. */
export class PostgresDeliveryQueue implements DeliveryQueue {
  private readonly d: string;
  private readonly claimSql: string;

  constructor(private readonly h: PostgresHandle) {
    this.d = h.t.deliveries;
    // Picks and leases in one statement. FOR UPDATE SKIP LOCKED lets workers on several
    // nodes claim at once without waiting for each other: a row another claim is leasing
    // is skipped, and one it has leased no longer matches once its lease is committed.
    this.claimSql = `
      WITH due AS (
        SELECT id FROM ${this.d}
        WHERE status = 'pending' AND channel = ANY($1::text[]) AND next_attempt_at <= $2
          AND (lease_until IS NULL OR lease_until <= $2)
        ORDER BY next_attempt_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      )
      UPDATE ${this.d} AS d
      SET lease_until = $4, lease_token = $5, attempts = d.attempts + 1, updated_at = $2
      FROM due WHERE d.id = due.id
      RETURNING ${DELIVERY_COLUMNS.split(', ')
        .map((c) => `d.${c}`)
        .join(', ')}`;
  }

  async add(records: DeliveryRecord[]): Promise<void> {
    this.h.check();
    if (records.length === 0) return;
    await this.h.query(
      `INSERT INTO ${this.d} (${DELIVERY_COLUMNS})
       SELECT ${DELIVERY_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${DELIVERY_RECORDSET})
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(records)],
    );
  }

  async listByNotification(tenantId: string, notificationId: string): Promise<DeliveryRecord[]> {
    const { rows } = await this.h.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${this.d}
       WHERE tenant_id = $1 AND notification_id = $2 ORDER BY id`,
      [tenantId, notificationId],
    );
    return rows;
  }

  async listByNotifications(tenantId: string, notificationIds: string[]) {
    const unique = [...new Set(notificationIds)];
    if (unique.length === 0) {
      this.h.check();
      return [];
    }
    const { rows } = await this.h.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${this.d}
       WHERE tenant_id = $1 AND notification_id = ANY($2::text[]) ORDER BY id`,
      [tenantId, unique],
    );
    return inOrderOf(unique, rows);
  }

  claim: DeliveryQueue['claim'] = async (channels, limit, now, leaseMs, token) => {
    this.h.check();
    if (limit <= 0 || channels.length === 0) return [];
    const { rows } = await this.h.query<DeliveryRow>(this.claimSql, [
      channels,
      now,
      limit,
      now + leaseMs,
      token,
    ]);
    // RETURNING gives rows in no promised order.
    return rows.sort(byDueThenId);
  };

  // Only the claim's token settles: a lease that ran out and was claimed again has another.
  complete: DeliveryQueue['complete'] = async (id, token, status, at, detail) => {
    const { rowCount } = await this.h.query(
      `UPDATE ${this.d} SET status = $3, lease_until = NULL, lease_token = NULL, updated_at = $4,
         provider_message_id = COALESCE($5, provider_message_id),
         last_error = COALESCE($6, last_error)
       WHERE id = $1 AND status = 'pending' AND lease_token = $2`,
      [id, token, status, at, detail?.provider_message_id ?? null, detail?.error ?? null],
    );
    return rowCount === 1;
  };

  retry: DeliveryQueue['retry'] = async (id, token, nextAttemptAt, error, at) => {
    const { rowCount } = await this.h.query(
      `UPDATE ${this.d} SET status = 'pending', lease_until = NULL, lease_token = NULL,
         next_attempt_at = $3, last_error = $4, updated_at = $5
       WHERE id = $1 AND status = 'pending' AND lease_token = $2`,
      [id, token, nextAttemptAt, error, at],
    );
    return rowCount === 1;
  };

  findByProviderMessageId: DeliveryQueue['findByProviderMessageId'] = async (channel, pmid) => {
    const { rows } = await this.h.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${this.d}
       WHERE provider_message_id = $1 AND channel = $2 LIMIT 1`,
      [pmid, channel],
    );
    return rows[0] ?? null;
  };

  confirmSent: DeliveryQueue['confirmSent'] = async (id, status, at, error) => {
    const { rows } = await this.h.query<DeliveryRow>(
      `UPDATE ${this.d} SET status = $2, updated_at = $3, last_error = COALESCE($4, last_error)
       WHERE id = $1 AND status = 'sent'
       RETURNING ${DELIVERY_COLUMNS}`,
      [id, status, at, error ?? null],
    );
    return rows[0] ?? null;
  };

  release: DeliveryQueue['release'] = async (id, token, dueAt, at) => {
    const { rowCount } = await this.h.query(
      `UPDATE ${this.d} SET lease_until = NULL, lease_token = NULL, next_attempt_at = $3,
         updated_at = $4, attempts = GREATEST(attempts - 1, 0)
       WHERE id = $1 AND status = 'pending' AND lease_token = $2`,
      [id, token, dueAt, at],
    );
    return rowCount === 1;
  };

  listDead: DeliveryQueue['listDead'] = async (tenantId, filter, limit) => {
    const { rows } = await this.h.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${this.d}
       WHERE tenant_id = $1 AND status = 'failed' AND ($2::text IS NULL OR channel = $2)
         AND ($3::text IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [tenantId, filter.channel ?? null, filter.before ?? null, Math.max(0, limit)],
    );
    return rows;
  };

  requeueDead: DeliveryQueue['requeueDead'] = async (tenantId, id, at) => {
    const { rows } = await this.h.query<DeliveryRow>(
      `UPDATE ${this.d} SET status = 'pending', next_attempt_at = $3, updated_at = $3,
         attempts = 0, lease_until = NULL, lease_token = NULL
       WHERE id = $1 AND tenant_id = $2 AND status = 'failed'
       RETURNING ${DELIVERY_COLUMNS}`,
      [id, tenantId, at],
    );
    return rows[0] ?? null;
  };

  setStatus: DeliveryQueue['setStatus'] = async (tenant, recipient, ids, channel, status, at) => {
    this.h.check();
    if (ids.length === 0) return 0;
    const { rowCount } = await this.h.query(
      `UPDATE ${this.d} SET status = $5, updated_at = $6
       WHERE tenant_id = $1 AND recipient_id = $2 AND notification_id = ANY($3::text[])
         AND channel = $4 AND status <> $5`,
      [tenant, recipient, ids, channel, status, at],
    );
    return rowCount;
  };
}
