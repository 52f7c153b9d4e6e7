import type { DeliveryQueue, DeliveryRecord } from '../types.js';
import type { RedisHandle } from './handle.js';
import {
  ADD_DELIVERIES,
  CLAIM,
  COMPLETE,
  CONFIRM_SENT,
  FIND_BY_PROVIDER_ID,
  LIST_DEAD,
  LIST_DELIVERIES,
  LIST_DELIVERIES_MANY,
  RELEASE,
  REQUEUE_DEAD,
  RETRY,
  SET_STATUS,
} from './lua/queue.js';
import { deliveryFields, type FlatHash, hashOf, toDelivery } from './records.js';

/**
 * Deliveries and the work queue in Redis: a hash per delivery, and per channel a sorted set of
 * the due (pending, unleased) ones by next attempt and one of the leased ones by lease end.
 */
export class RedisDeliveryQueue implements DeliveryQueue {
  constructor(private readonly h: RedisHandle) {}

  add(records: DeliveryRecord[]): Promise<void> {
    let payload: string;
    try {
      payload = JSON.stringify(
        records.map((d) => ({ id: d.id, nid: d.notification_id, fields: deliveryFields(d) })),
      );
    } catch (err) {
      return Promise.reject(err);
    }
    return this.h.run(async () => {
      if (records.length > 0) await this.h.script(ADD_DELIVERIES, [payload]);
    });
  }

  listByNotification(tenantId: string, notificationId: string): Promise<DeliveryRecord[]> {
    return this.h.run(async () => {
      const rows = (await this.h.script(LIST_DELIVERIES, [notificationId])) as FlatHash[];
      return rows.map((row) => toDelivery(hashOf(row))).filter((d) => d.tenant_id === tenantId);
    });
  }

  listByNotifications(tenantId: string, notificationIds: string[]) {
    const unique = [...new Set(notificationIds)];
    return this.h.run(async () => {
      if (unique.length === 0) return [];
      const rows = (await this.h.script(LIST_DELIVERIES_MANY, unique)) as FlatHash[];
      return rows.map((row) => toDelivery(hashOf(row))).filter((d) => d.tenant_id === tenantId);
    });
  }

  claim: DeliveryQueue['claim'] = (channels, limit, now, leaseMs, token) => {
    return this.h.run(async () => {
      if (limit <= 0 || channels.length === 0) return [];
      const args = [now, leaseMs, limit, token, ...new Set(channels)];
      const rows = (await this.h.script(CLAIM, args)) as FlatHash[];
      return rows.map((row) => toDelivery(hashOf(row)));
    });
  };

  complete: DeliveryQueue['complete'] = (id, token, status, at, detail) => {
    const pmid = detail?.provider_message_id;
    const error = detail?.error;
    const args = [id, token, status, at, ...given(pmid), ...given(error)];
    return this.h.run(async () => (await this.h.script(COMPLETE, args)) === 1);
  };

  retry: DeliveryQueue['retry'] = (id, token, nextAttemptAt, error, at) => {
    return this.h.run(
      async () => (await this.h.script(RETRY, [id, token, nextAttemptAt, error, at])) === 1,
    );
  };

  findByProviderMessageId: DeliveryQueue['findByProviderMessageId'] = (channel, pmid) => {
    return this.h.run(async () => {
      const row = (await this.h.script(FIND_BY_PROVIDER_ID, [channel, pmid])) as FlatHash | null;
      return row ? toDelivery(hashOf(row)) : null;
    });
  };

  confirmSent: DeliveryQueue['confirmSent'] = (id, status, at, error) => {
    return this.h.run(async () => {
      const args = [id, status, at, ...given(error)];
      const row = (await this.h.script(CONFIRM_SENT, args)) as FlatHash | null;
      return row ? toDelivery(hashOf(row)) : null;
    });
  };

  release: DeliveryQueue['release'] = (id, token, dueAt, at) => {
    return this.h.run(async () => (await this.h.script(RELEASE, [id, token, dueAt, at])) === 1);
  };

  listDead: DeliveryQueue['listDead'] = (tenantId, filter, limit) => {
    return this.h.run(async () => {
      if (limit <= 0) return [];
      const args = [tenantId, filter.channel ?? '', filter.before ?? '', limit];
      const rows = (await this.h.script(LIST_DEAD, args)) as FlatHash[];
      return rows.map((row) => toDelivery(hashOf(row)));
    });
  };

  requeueDead: DeliveryQueue['requeueDead'] = (tenantId, id, at) => {
    return this.h.run(async () => {
      const row = (await this.h.script(REQUEUE_DEAD, [tenantId, id, at])) as FlatHash | null;
      return row ? toDelivery(hashOf(row)) : null;
    });
  };

  setStatus: DeliveryQueue['setStatus'] = (tenant, recipient, ids, channel, status, at) => {
    return this.h.run(async () => {
      if (ids.length === 0) return 0;
      const args = [tenant, recipient, channel, status, at, ...ids];
      return (await this.h.script(SET_STATUS, args)) as number;
    });
  };
}

/** An optional value as two script arguments: whether it is given, and what it is. */
function given(value: string | undefined): [string, string] {
  return value === undefined ? ['0', ''] : ['1', value];
}
