import type { InsertOutcome, NewNotification } from '../types.js';
import { deliveryFields, type Fields, notificationFields } from './records.js';
import { requestArgs } from './requests.js';

/**
 * One item as the insert script reads it (lua/insert.ts). Built when insert() is called, so
 * a caller changing its objects afterwards changes nothing. Numbers the script compares or
 * stores are strings: cjson would hand large ones back in exponent form.
 */
interface PayloadItem {
  id: string;
  t: string;
  r: string;
  cat: string;
  pri: string;
  /** When it expires (ms), if it does. */
  exp?: string;
  rid: string;
  created: string;
  read: boolean;
  deleted: boolean;
  fields: Fields;
  dlv: { id: string; fields: Fields }[];
  idem?: { key: string; exp: string; ttl: string };
  /** A single send's request: the arguments of put_request. */
  req?: string[];
}

/** The insert script's ARGV[2]. */
export function insertPayload(items: NewNotification[]): string {
  return JSON.stringify(items.map(payloadItem));
}

function payloadItem({
  notification: n,
  deliveries,
  idempotency,
  request,
}: NewNotification): PayloadItem {
  const item: PayloadItem = {
    id: n.id,
    t: n.tenant_id,
    r: n.recipient_id,
    cat: n.category,
    pri: n.priority,
    rid: n.request_id,
    created: String(n.created_at),
    read: n.read_at !== null,
    deleted: n.deleted_at !== null,
    fields: notificationFields(n),
    dlv: deliveries.map((d) => ({ id: d.id, fields: deliveryFields(d) })),
  };
  if (n.expires_at !== null) item.exp = String(n.expires_at);
  if (request) item.req = requestArgs(request);
  if (idempotency) {
    item.idem = {
      key: idempotency.key,
      exp: String(idempotency.expires_at),
      // Redis counts the TTL from its own clock: give it the claim's length, not its end
      // (the caller's clock may differ, and a test's fake clock does), and at least 1 ms.
      ttl: String(Math.max(1, Math.ceil(idempotency.expires_at - n.created_at))),
    };
  }
  return item;
}

/** Reads the script's reply: {'created'} or {'duplicate', notification_id, request_id}. */
export function toOutcomes(reply: string[][]): InsertOutcome[] {
  return reply.map(([status, notification_id, request_id]) =>
    status === 'duplicate'
      ? { status: 'duplicate', notification_id, request_id }
      : { status: 'created' },
  );
}
