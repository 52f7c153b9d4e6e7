import type { Database, Statement } from 'better-sqlite3';
import { type BoundItem, bindItem, duplicateOf, type RowEncoders } from '../insert-items.js';
import type { InsertOutcome, NewNotification } from '../types.js';
import { GroupCommit } from './group-commit.js';
import { isConstraintError, translateError } from './handle.js';
import { requestParams, UPSERT_REQUEST } from './requests.js';
import {
  DELIVERY_COLUMNS,
  deliveryParams,
  NOTIFICATION_COLUMNS,
  notificationParams,
  type Param,
  placeholders,
} from './rows.js';

/** Items are bound to statement parameters. */
const PARAMS: RowEncoders<Param[]> = {
  notification: notificationParams,
  delivery: deliveryParams,
  request: requestParams,
};

interface Claim {
  notification_id: string;
  request_id: string;
}

/** Writes notification inserts, grouping concurrent calls into one transaction. */
export class NotificationWriter {
  private readonly selectClaim: Statement<[string, string], Claim>;
  private readonly takeClaim: Statement<Param[]>;
  private readonly insertNotification: Statement<Param[]>;
  private readonly insertDelivery: Statement<Param[]>;
  private readonly upsertRequest: Statement<Param[]>;
  private readonly group: GroupCommit<BoundItem<Param[]>[], InsertOutcome[]>;

  constructor(db: Database) {
    this.selectClaim = db.prepare(
      'SELECT notification_id, request_id FROM idempotency_keys WHERE tenant_id = ? AND key = ?',
    );
    // Takes a free or expired key in one statement; changes = 0 means it is held.
    this.takeClaim = db.prepare<Param[]>(
      `INSERT INTO idempotency_keys (tenant_id, key, notification_id, request_id, expires_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, key) DO UPDATE SET notification_id = excluded.notification_id,
         request_id = excluded.request_id, expires_at = excluded.expires_at
       WHERE idempotency_keys.expires_at <= ?`,
    );
    this.insertNotification = db.prepare<Param[]>(
      `INSERT INTO notifications (${NOTIFICATION_COLUMNS}) VALUES (${placeholders(NOTIFICATION_COLUMNS)})`,
    );
    this.insertDelivery = db.prepare<Param[]>(
      `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES (${placeholders(DELIVERY_COLUMNS)})`,
    );
    this.upsertRequest = db.prepare<Param[]>(UPSERT_REQUEST);
    const writeCalls = db.transaction((calls: BoundItem<Param[]>[][]) =>
      calls.map((items) => items.map((item) => this.writeItem(item))),
    );
    this.group = new GroupCommit({
      write: writeCalls,
      retryAlone: isConstraintError,
      translate: translateError,
    });
  }

  /** Queues one insert call; resolves once its group transaction has committed. */
  insert(items: NewNotification[]): Promise<InsertOutcome[]> {
    let bound: BoundItem<Param[]>[];
    try {
      bound = items.map((item) => bindItem(item, PARAMS));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.group.submit(bound);
  }

  /** Holds inserts back until the returned function is called (see GroupCommit.hold). */
  hold(): () => void {
    return this.group.hold();
  }

  /** Writes everything queued now (before closing). */
  flush(): void {
    this.group.flush();
  }

  private writeItem(item: BoundItem<Param[]>): InsertOutcome {
    if (item.idempotency) {
      const { key, expires_at } = item.idempotency;
      const taken = this.takeClaim.run(
        item.tenantId,
        key,
        item.id,
        item.requestId,
        expires_at,
        item.createdAt,
      );
      if (taken.changes === 0) return duplicateOf(this.selectClaim.get(item.tenantId, key)!);
    }
    this.insertNotification.run(...item.notification);
    for (const delivery of item.deliveries) this.insertDelivery.run(...delivery);
    if (item.request) this.upsertRequest.run(...item.request);
    return { status: 'created' };
  }
}
