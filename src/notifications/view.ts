import type { DeliveryRecord, NotificationRecord } from './records.js';
import type { NotificationView } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** The public shape of a stored notification. */
export function toView(n: NotificationRecord): NotificationView {
  return {
    id: n.id,
    request_id: n.request_id,
    recipient_id: n.recipient_id,
    category: n.category,
    priority: n.priority,
    content: n.content,
    actions: n.actions,
    data: n.data,
    group_key: n.group_key,
    template: n.template,
    read: n.read_at !== null,
    read_at: isoOrNull(n.read_at),
    dismissed: n.dismissed_at !== null,
    dismissed_at: isoOrNull(n.dismissed_at),
    action_taken:
      n.action_id === null || n.actioned_at === null
        ? null
        : { action_id: n.action_id, at: iso(n.actioned_at) },
    expires_at: isoOrNull(n.expires_at),
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
