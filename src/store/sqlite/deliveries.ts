import type { Statement } from 'better-sqlite3';
import { byDueThenId, inOrderOf } from '../order.js';
import type { DeliveryQueue, DeliveryRecord, DeliveryStatus } from '../types.js';
import type { SqliteHandle } from './handle.js';
import { allInChunks } from './prepared.js';
import { DELIVERY_COLUMNS, deliveryParams, type Param, placeholders } from './rows.js';

/** Deliveries and the work queue in SQLite. */
export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly byNotification: Statement<[string, string], DeliveryRecord>;
  private readonly claimDue: Statement<
    [number, string, number, string, number, number, number],
    DeliveryRecord
  >;
  private readonly settle: Statement<
    [string, number, string | null, string | null, string, string]
  >;
  private readonly requeue: Statement<[number, string, number, string, string]>;
  private readonly release_: Statement<[number, number, string, string]>;
  private readonly deadPage: Statement<
    [string, string | null, string | null, string | null, string | null, number],
    DeliveryRecord
  >;
  private readonly requeueOne: Statement<[number, number, string, string], DeliveryRecord>;
  private readonly setOne: Statement<[string, number, string, string, string, string, string]>;
  private readonly setMany: (
    ids: string[],
    mine: [string, string],
    channel: string,
    status: DeliveryStatus,
    at: number,
  ) => number;
  private readonly addAll: (records: DeliveryRecord[]) => void;
  private readonly byProviderId: Statement<[string, string], DeliveryRecord>;
  private readonly confirm: Statement<[string, number, string | null, string], DeliveryRecord>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.byNotification = db.prepare(
      'SELECT * FROM deliveries WHERE tenant_id = ? AND notification_id = ? ORDER BY id',
    );
    // One statement picks and leases, so two workers (or processes) never claim the same row.
    this.claimDue = db.prepare(
      `UPDATE deliveries SET lease_until = ?, lease_token = ?, attempts = attempts + 1,
         updated_at = ?
       WHERE id IN (
         SELECT id FROM deliveries
         WHERE status = 'pending' AND channel IN (SELECT value FROM json_each(?))
           AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY next_attempt_at, id LIMIT ?)
       RETURNING *`,
    );
    // Only the claim's token settles: a lease that ran out and was claimed again has another.
    this.settle = db.prepare(
      `UPDATE deliveries SET status = ?, lease_until = NULL, lease_token = NULL, updated_at = ?,
         provider_message_id = COALESCE(?, provider_message_id),
         last_error = COALESCE(?, last_error)
       WHERE id = ? AND status = 'pending' AND lease_token = ?`,
    );
    this.requeue = db.prepare(
      `UPDATE deliveries SET status = 'pending', lease_until = NULL, lease_token = NULL,
         next_attempt_at = ?, last_error = ?, updated_at = ?
       WHERE id = ? AND status = 'pending' AND lease_token = ?`,
    );
    this.release_ = db.prepare(
      `UPDATE deliveries SET lease_until = NULL, lease_token = NULL, next_attempt_at = ?,
         updated_at = ?, attempts = MAX(attempts - 1, 0)
       WHERE id = ? AND status = 'pending' AND lease_token = ?`,
    );
    this.deadPage = db.prepare(
      `SELECT * FROM deliveries
       WHERE tenant_id = ? AND status = 'failed' AND (? IS NULL OR channel = ?)
         AND (? IS NULL OR id < ?)
       ORDER BY id DESC LIMIT ?`,
    );
    this.requeueOne = db.prepare(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ?, attempts = 0,
         lease_until = NULL, lease_token = NULL
       WHERE id = ? AND tenant_id = ? AND status = 'failed'
       RETURNING *`,
    );
    this.byProviderId = db.prepare(
      'SELECT * FROM deliveries WHERE provider_message_id = ? AND channel = ? LIMIT 1',
    );
    this.confirm = db.prepare(
      `UPDATE deliveries SET status = ?, updated_at = ?, last_error = COALESCE(?, last_error)
       WHERE id = ? AND status = 'sent'
       RETURNING *`,
    );
    this.setOne = db.prepare(
      `UPDATE deliveries SET status = ?, updated_at = ?
       WHERE notification_id = ? AND tenant_id = ? AND recipient_id = ? AND channel = ?
         AND status <> ?`,
    );
    this.setMany = db.transaction(
      (
        ids: string[],
        [tenantId, recipientId]: [string, string],
        channel: string,
        status: DeliveryStatus,
        at: number,
      ) => {
        let changed = 0;
        for (const id of new Set(ids)) {
          changed += this.setOne.run(
            status,
            at,
            id,
            tenantId,
            recipientId,
            channel,
            status,
          ).changes;
        }
        return changed;
      },
    );
    const insert = db.prepare<Param[]>(
      `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES (${placeholders(DELIVERY_COLUMNS)})
       ON CONFLICT (id) DO NOTHING`,
    );
    this.addAll = db.transaction((records: DeliveryRecord[]) => {
      for (const record of records) insert.run(...deliveryParams(record));
    });
  }

  add(records: DeliveryRecord[]): Promise<void> {
    return this.h.run(() => {
      if (records.length > 0) this.addAll(records);
    });
  }

  listByNotification(tenantId: string, notificationId: string): Promise<DeliveryRecord[]> {
    return this.h.run(() => this.byNotification.all(tenantId, notificationId));
  }

  listByNotifications(tenantId: string, notificationIds: string[]) {
    return this.h.run(() => {
      const unique = [...new Set(notificationIds)];
      const rows = allInChunks<DeliveryRecord>(
        this.h,
        tenantId,
        unique,
        (marks) => `SELECT * FROM deliveries WHERE tenant_id = ?
          AND notification_id IN (${marks}) ORDER BY id`,
      );
      return inOrderOf(unique, rows);
    });
  }

  claim: DeliveryQueue['claim'] = (channels, limit, now, leaseMs, token) => {
    return this.h.run(() => {
      if (limit <= 0 || channels.length === 0) return [];
      const wanted = JSON.stringify(channels);
      const rows = this.claimDue.all(now + leaseMs, token, now, wanted, now, now, limit);
      // RETURNING gives rows in no promised order.
      return rows.sort(byDueThenId);
    });
  };

  complete: DeliveryQueue['complete'] = (id, token, status, at, detail) => {
    const pmid = detail?.provider_message_id ?? null;
    const error = detail?.error ?? null;
    return this.h.run(() => this.settle.run(status, at, pmid, error, id, token).changes === 1);
  };

  retry: DeliveryQueue['retry'] = (id, token, nextAttemptAt, error, at) => {
    return this.h.run(() => this.requeue.run(nextAttemptAt, error, at, id, token).changes === 1);
  };

  findByProviderMessageId: DeliveryQueue['findByProviderMessageId'] = (channel, pmid) => {
    return this.h.run(() => this.byProviderId.get(pmid, channel) ?? null);
  };

  confirmSent: DeliveryQueue['confirmSent'] = (id, status, at, error) => {
    return this.h.run(() => this.confirm.get(status, at, error ?? null, id) ?? null);
  };

  release: DeliveryQueue['release'] = (id, token, dueAt, at) => {
    return this.h.run(() => this.release_.run(dueAt, at, id, token).changes === 1);
  };

  listDead: DeliveryQueue['listDead'] = (tenantId, filter, limit) => {
    return this.h.run(() =>
      this.deadPage.all(
        tenantId,
        filter.channel ?? null,
        filter.channel ?? null,
        filter.before ?? null,
        filter.before ?? null,
        Math.max(0, limit),
      ),
    );
  };

  requeueDead: DeliveryQueue['requeueDead'] = (tenantId, id, at) => {
    return this.h.run(() => this.requeueOne.get(at, at, id, tenantId) ?? null);
  };

  setStatus: DeliveryQueue['setStatus'] = (tenant, recipient, ids, channel, status, at) => {
    return this.h.run(() => this.setMany(ids, [tenant, recipient], channel, status, at));
  };
}
