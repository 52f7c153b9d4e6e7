import type { DeliveryRecord, NotificationRecord } from './records.js';
import type { NotificationView } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The public shape of a stored notification. */
export function toView(n: NotificationRecord): NotificationView {
  return {
    id: n.id,
    request_id: n.request_id,
    recipient_id: n.recipient_id,
    category: n.category,
    priority: n.priority,
    content: n.content,
    data: n.data,
    group_key: n.group_key,
    read: n.read_at !== null,
    read_at: n.read_at === null ? null : iso(n.read_at),
    created_at: iso(n.created_at),
  };
}

export function toDeliveryView(d: DeliveryRecord) {
  return {
    id: d.id,
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    last_error: d.last_error,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  };
}
