import type pg from 'pg';
import { AsyncGroupCommit } from '../group-commit.js';
import { type BoundItem, bindItem, duplicateOf, type RowEncoders } from '../insert-items.js';
import { compareIds } from '../order.js';
import type { InsertOutcome, NewNotification } from '../types.js';
import type { PostgresHandle } from './handle.js';
import { isDataError } from './pg-errors.js';
import { lastOfEach, upsertRequests } from './requests.js';
import {
  DELIVERY_COLUMNS,
  DELIVERY_RECORDSET,
  NOTIFICATION_COLUMNS,
  NOTIFICATION_RECORDSET,
} from './rows.js';

/** Items are serialised to JSON, for jsonb_to_recordset; a value JSON cannot hold fails. */
const JSON_ROWS: RowEncoders<string> = {
  notification: (n) => JSON.stringify(n),
  delivery: (d) => JSON.stringify(d),
  request: (r) => JSON.stringify(r),
};

type Item = BoundItem<string>;

/** The key was taken, or who holds it. */
type ClaimRow =
  | { taken: true; notification_id: null; request_id: null }
  | { taken: false; notification_id: string; request_id: string };

/** How often a claim is asked again when its holder vanished between two looks. */
const CLAIM_ATTEMPTS = 3;

/** Writes notification inserts, grouping concurrent calls into one transaction. */
export class NotificationWriter {
  private readonly claimSql: string;
  private readonly claimManySql: string;
  private readonly holdersSql: string;
  private readonly insertNotifications: string;
  private readonly insertDeliveries: string;
  private readonly upsertRequests: string;
  private readonly group: AsyncGroupCommit<Item[], InsertOutcome[]>;

  constructor(private readonly h: PostgresHandle) {
    const { idempotencyKeys: keys, notifications, deliveries, sendRequests } = h.t;
    // Takes a free or expired key (judged at the item's created_at, not the server's clock)
    // and, in the same round trip, reads who holds it when it is taken. The read sees the
    // statement's snapshot, which misses a holder committed by another transaction while
    // this one waited for its row lock: then no row comes back and the claim is asked again.
    this.claimSql = `
      WITH taken AS (
        INSERT INTO ${keys} AS k (tenant_id, key, notification_id, request_id, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (tenant_id, key) DO UPDATE SET notification_id = EXCLUDED.notification_id,
          request_id = EXCLUDED.request_id, expires_at = EXCLUDED.expires_at
        WHERE k.expires_at <= $6
        RETURNING 1
      )
      SELECT true AS taken, NULL AS notification_id, NULL AS request_id FROM taken
      UNION ALL
      SELECT false, notification_id, request_id FROM ${keys}
      WHERE tenant_id = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM taken)`;
    // claimSql for many keys at once, taken in the order given (the lock order).
    this.claimManySql = `
      WITH wanted AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
          $6::bigint[]) WITH ORDINALITY
          AS u(tenant_id, key, notification_id, request_id, expires_at, created_at, n)
      )
      INSERT INTO ${keys} AS k (tenant_id, key, notification_id, request_id, expires_at)
      SELECT tenant_id, key, notification_id, request_id, expires_at FROM wanted ORDER BY n
      ON CONFLICT (tenant_id, key) DO UPDATE SET notification_id = EXCLUDED.notification_id,
        request_id = EXCLUDED.request_id, expires_at = EXCLUDED.expires_at
      WHERE k.expires_at <= (SELECT w.created_at FROM wanted w
        WHERE w.tenant_id = k.tenant_id AND w.key = k.key)
      RETURNING k.tenant_id, k.key`;
    this.holdersSql = `
      SELECT k.tenant_id, k.key, k.notification_id, k.request_id
      FROM ${keys} k JOIN unnest($1::text[], $2::text[]) AS u(tenant_id, key)
        ON k.tenant_id = u.tenant_id AND k.key = u.key`;
    this.insertNotifications = `
      INSERT INTO ${notifications} (${NOTIFICATION_COLUMNS})
      SELECT ${NOTIFICATION_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${NOTIFICATION_RECORDSET})`;
    this.insertDeliveries = `
      INSERT INTO ${deliveries} (${DELIVERY_COLUMNS})
      SELECT ${DELIVERY_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${DELIVERY_RECORDSET})`;
    this.upsertRequests = upsertRequests(sendRequests);
    this.group = new AsyncGroupCommit({
      write: (calls) => h.transaction((client) => this.writeCalls(client, calls)),
      retryAlone: isDataError,
    });
  }

  /** Queues one insert call; resolves once its group transaction has committed. */
  insert(items: NewNotification[]): Promise<InsertOutcome[]> {
    let bound: Item[];
    try {
      this.h.check();
      bound = items.map((item) => bindItem(item, JSON_ROWS));
    } catch (err) {
      return Promise.reject(err);
    }
    if (bound.length === 0) return Promise.resolve([]);
    return this.group.submit(bound);
  }

  /** Writes everything queued and waits for it (before closing). */
  drain(): Promise<void> {
    return this.group.drain();
  }

  /**
   * Claims the keys first, then writes every created notification with one statement and
   * every delivery of them with another.
   *
   * Claims of one key go in the order of the items (so the first item with a key wins,
   * within a call and across the calls of the group). Claims of different keys do not
   * depend on each other, so they go sorted by key: every node then locks keys in the same
   * order, and two groups on two nodes sharing keys wait for each other instead of
   * deadlocking.
   */
  private async writeCalls(client: pg.PoolClient, calls: Item[][]): Promise<InsertOutcome[][]> {
    const items = calls.flat();
    const outcomes: InsertOutcome[] = items.map(() => ({ status: 'created' }));
    const keyed = items.flatMap((item, i) => (item.idempotency ? [i] : []));
    // Array.prototype.sort is stable: items of one key keep their order.
    keyed.sort((a, b) => compareIds(lockKey(items[a]), lockKey(items[b])));
    // The first item of each key claims with one statement for all; an item repeating a key
    // claims after it, alone (the first holds the key by then).
    const seen = new Set<string>();
    const first: number[] = [];
    const repeats: number[] = [];
    for (const i of keyed) {
      const key = lockKey(items[i]);
      (seen.has(key) ? repeats : first).push(i);
      seen.add(key);
    }
    if (first.length === 1) repeats.unshift(...first);
    else if (first.length > 1) await this.claimMany(client, first, items, outcomes);
    repeats.sort((a, b) => a - b);
    for (const i of repeats) {
      const held = await this.claim(client, items[i]);
      if (held) outcomes[i] = held;
    }
    const notifications: string[] = [];
    const deliveries: string[] = [];
    const requests: Array<{ key: string; json: string }> = [];
    for (const [i, item] of items.entries()) {
      if (outcomes[i].status !== 'created') continue;
      notifications.push(item.notification);
      deliveries.push(...item.deliveries);
      if (item.request) {
        requests.push({ key: `${item.tenantId}\u0000${item.requestId}`, json: item.request });
      }
    }
    if (notifications.length > 0) {
      await client.query(this.insertNotifications, [`[${notifications.join(',')}]`]);
    }
    if (deliveries.length > 0) {
      await client.query(this.insertDeliveries, [`[${deliveries.join(',')}]`]);
    }
    if (requests.length > 0) await client.query(this.upsertRequests, [lastOfEach(requests)]);
    let next = 0;
    return calls.map((call) => {
      const start = next;
      next += call.length;
      return outcomes.slice(start, next);
    });
  }

  /**
   * claim() for items of distinct keys (`indexes`, in lock order) with two statements: one
   * takes every free or expired key in that order, each judged at its item's created_at (and
   * locks the ones it cannot take); one then reads who holds those, in a snapshot taken after
   * their holders committed. A key whose holder vanished meanwhile is claimed again alone.
   */
  private async claimMany(
    client: pg.PoolClient,
    indexes: number[],
    items: Item[],
    outcomes: InsertOutcome[],
  ): Promise<void> {
    const column = (pick: (item: Item) => string | number) => indexes.map((i) => pick(items[i]));
    const tenants = column((item) => item.tenantId);
    const keys = column((item) => item.idempotency!.key);
    const { rows: taken } = await client.query<{ tenant_id: string; key: string }>(
      this.claimManySql,
      [
        tenants,
        keys,
        column((item) => item.id),
        column((item) => item.requestId),
        column((item) => item.idempotency!.expires_at),
        column((item) => item.createdAt),
      ],
    );
    const ours = new Set(taken.map((r) => `${r.tenant_id}\u0000${r.key}`));
    const held = indexes.filter((i) => !ours.has(lockKey(items[i])));
    if (held.length === 0) return;
    const { rows: holders } = await client.query<{
      tenant_id: string;
      key: string;
      notification_id: string;
      request_id: string;
    }>(this.holdersSql, [
      held.map((i) => items[i].tenantId),
      held.map((i) => items[i].idempotency!.key),
    ]);
    const byKey = new Map(holders.map((r) => [`${r.tenant_id}\u0000${r.key}`, r]));
    for (const i of held) {
      const holder = byKey.get(lockKey(items[i]));
      const outcome = holder ? duplicateOf(holder) : await this.claim(client, items[i]);
      if (outcome) outcomes[i] = outcome;
    }
  }

  /** Takes the item's key: null when taken, the duplicate outcome when someone holds it. */
  private async claim(client: pg.PoolClient, item: Item): Promise<InsertOutcome | null> {
    const { key, expires_at } = item.idempotency!;
    const params = [item.tenantId, key, item.id, item.requestId, expires_at, item.createdAt];
    for (let attempt = 1; ; attempt++) {
      const { rows } = await client.query<ClaimRow>(this.claimSql, params);
      const [row] = rows;
      if (row?.taken) return null;
      if (row) return duplicateOf(row);
      if (attempt === CLAIM_ATTEMPTS) {
        throw new Error(`The idempotency key ${key} could neither be taken nor read.`);
      }
    }
  }
}

/** The order claims lock in: by tenant, then key. */
function lockKey(item: Item): string {
  return `${item.tenantId}\u0000${item.idempotency!.key}`;
}
