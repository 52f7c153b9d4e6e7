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

/**
 * A delivery as its sender sees it. A pending one not yet tried and due later than it was
 * made waits for quiet hours to end: `deferred`; one of a cancelled notification is shown
 * `cancelled` (the worker settles it so when it comes to it).
 */
export function toDeliveryView(d: DeliveryRecord, cancelled = false) {
  const skipped = d.status === 'skipped';
  const waiting = d.status === 'pending';
  let status: string = d.status;
  if (waiting && cancelled) status = 'cancelled';
  else if (waiting && d.attempts === 0 && d.next_attempt_at > d.created_at) status = 'deferred';
  return {
    id: d.id,
    channel: d.channel,
    status,
    skip_reason: skipped ? d.last_error : null,
    device_id: d.device_id ?? null,
    attempts: d.attempts,
    last_error: skipped ? null : d.last_error,
    provider_message_id: d.provider_message_id,
    next_attempt_at: waiting ? iso(d.next_attempt_at) : null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  };
}
