/**
 * Ara's shapes to notifyd's: an Ara event becomes the notification POST /notifications
 * would take, or a live message. Nothing here sends: the engine and the gateway do
 * (frames.ts turns what the gateway publishes into Ara's frames).
 */
import { NotifydError } from '../../core/errors.js';
import type { LiveInput } from '../../notifications/live.js';
import type { SendNotificationBody } from '../../notifications/schemas.js';
import { notificationFor } from '../../triggers/actions.js';
import type { TriggerEvent } from '../../triggers/payload.js';
import type { AraEvent, AraPriority } from './schemas.js';

/** notifyd's priority in Ara's spelling (`urgent` is Ara's Critical). */
export function araPriority(priority: string | undefined): AraPriority {
  switch (priority?.toLowerCase()) {
    case 'low':
      return 'Low';
    case 'high':
      return 'High';
    case 'urgent':
    case 'critical':
      return 'Critical';
    default:
      return 'Normal';
  }
}

/** Ara's priority in notifyd's spelling; absent stays absent (a template's own then holds). */
const notifydPriority = (p: string | undefined) =>
  p === undefined ? undefined : (p.toLowerCase() as SendNotificationBody['priority']);

/**
 * The notification an Ara send makes for one user: `event_type` + `payload` as a Redis
 * trigger makes it (the same function), or `template_id` + `variables` rendered by the
 * notifyd template of that id or key. `ttl` expires it (notifyd's `ttl_seconds`).
 */
export function sendBodyFor(recipient: string, e: AraEvent): SendNotificationBody {
  const lifetime = e.ttl ? { ttl_seconds: e.ttl } : {};
  const kept = {
    ...(e.ttl != null ? { ttl: e.ttl } : {}),
    ...(e.correlation_id != null ? { correlation_id: e.correlation_id } : {}),
  };
  if (e.template_id !== undefined) {
    const priority = notifydPriority(e.priority);
    return {
      recipient_id: recipient,
      template: e.template_id,
      payload: e.variables ?? e.payload ?? {},
      ...(priority ? { priority } : {}),
      ...(e.event_type ? { category: e.event_type } : {}),
      data: { ...(e.event_type ? { event_type: e.event_type } : {}), ...kept },
      ...lifetime,
    };
  }
  if (!e.event_type) {
    throw new NotifydError('VALIDATION_ERROR', 'event_type is required (or template_id).', {
      field: 'event_type',
      constraint: 'must not be empty',
    });
  }
  const event: TriggerEvent = {
    event_type: e.event_type,
    payload: e.payload ?? {},
    ...(e.priority ? { priority: e.priority as TriggerEvent['priority'] } : {}),
    ...(e.ttl != null ? { ttl: e.ttl } : {}),
    ...(e.correlation_id != null ? { correlation_id: e.correlation_id } : {}),
  };
  return { ...notificationFor(recipient, event), ...lifetime };
}

/** A live message (broadcast, channel) for an Ara event; templates are for user sends only. */
export function liveFor(e: AraEvent): LiveInput {
  if (e.template_id !== undefined) {
    throw new NotifydError('VALIDATION_ERROR', 'template_id is for sends to users.', {
      field: 'template_id',
    });
  }
  if (!e.event_type) {
    throw new NotifydError('VALIDATION_ERROR', 'event_type is required.', {
      field: 'event_type',
      constraint: 'must not be empty',
    });
  }
  return {
    event: e.event_type,
    data: e.payload ?? {},
    metadata: {
      priority: araPriority(e.priority),
      ...(e.ttl != null ? { ttl: e.ttl } : {}),
    },
  };
}
