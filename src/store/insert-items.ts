import type { SendRequestRecord } from '../notifications/request-records.js';
import type { DeliveryRecord, NewNotification, NotificationRecord } from './types.js';

/**
 * One item of an insert, encoded for the backend when insert() is called: a caller changing
 * its objects afterwards changes nothing, and a value that cannot be encoded fails that call
 * alone, before it joins a group.
 */
export interface BoundItem<Row> {
  tenantId: string;
  id: string;
  requestId: string;
  createdAt: number;
  notification: Row;
  deliveries: Row[];
  /** The single send's request record, written only when the notification is. */
  request?: Row;
  idempotency?: { key: string; expires_at: number };
}

/** How a backend encodes a notification, a delivery and a request record for writing. */
export interface RowEncoders<Row> {
  notification: (n: NotificationRecord) => Row;
  delivery: (d: DeliveryRecord) => Row;
  request: (r: SendRequestRecord) => Row;
}

/** Encodes one item with the backend's encoders. */
export function bindItem<Row>(item: NewNotification, encode: RowEncoders<Row>): BoundItem<Row> {
  const n = item.notification;
  return {
    tenantId: n.tenant_id,
    id: n.id,
    requestId: n.request_id,
    createdAt: n.created_at,
    notification: encode.notification(n),
    deliveries: item.deliveries.map(encode.delivery),
    ...(item.request ? { request: encode.request(item.request) } : {}),
    ...(item.idempotency
      ? { idempotency: { key: item.idempotency.key, expires_at: item.idempotency.expires_at } }
      : {}),
  };
}

/** The outcome of an item whose key another notification holds. */
export function duplicateOf(holder: { notification_id: string; request_id: string }) {
  return {
    status: 'duplicate',
    notification_id: holder.notification_id,
    request_id: holder.request_id,
  } as const;
}
