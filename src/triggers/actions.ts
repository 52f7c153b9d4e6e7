import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { DEFAULT_TENANT } from '../core/tenancy.js';
import { compileValidator } from '../http/validate.js';
import type { LiveMessages } from '../notifications/live.js';
import { SendNotificationBody } from '../notifications/schemas.js';
import type { NotificationService } from '../notifications/service.js';
import { priorityOf, type Trigger, type TriggerEvent } from './payload.js';

const checkSend = compileValidator(SendNotificationBody, 'body');

/** The API's check, with problems named as fields of the notification the trigger made. */
function validSend(body: SendNotificationBody): SendNotificationBody {
  try {
    return checkSend(body);
  } catch (err) {
    if (!(err instanceof NotifydError)) throw err;
    throw new NotifydError(err.code, err.message.replace(/^body\./, 'notification.'), err.details);
  }
}

/** What became of one trigger, as counted in `notifyd_redis_triggers_total`. */
export type TriggerResult = 'accepted' | 'invalid' | 'failed';

/**
 * The notification a `user`/`users` trigger makes for one recipient, checked as
 * POST /notifications checks its body, so a trigger cannot store what the API would refuse.
 */
export function notificationFor(recipient: string, event: TriggerEvent): SendNotificationBody {
  const { event_type, payload, correlation_id, ttl } = event;
  const text = (key: string) => (typeof payload[key] === 'string' ? payload[key] : undefined);
  return validSend({
    recipient_id: recipient,
    category: event_type,
    priority: priorityOf(event),
    content: {
      title: text('title') || event_type,
      body: text('body') ?? text('message') ?? '',
    },
    data: {
      event_type,
      payload,
      ...(correlation_id != null ? { correlation_id } : {}),
      // The event's lifetime in seconds, as Ara gave it; kept for expiry of undelivered copies.
      ...(ttl != null ? { ttl } : {}),
    },
  });
}

/** Carries out a valid trigger: durable notifications for users, live messages otherwise. */
export class TriggerActions {
  constructor(
    private readonly notifications: NotificationService,
    private readonly live: LiveMessages,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Acts on the trigger. Throws VALIDATION_ERROR before anything is sent when the
   * notification would be refused (e.g. too long a title); a store failure rejects after
   * the recipients before it were served.
   */
  async apply(trigger: Trigger): Promise<void> {
    const tenant = trigger.tenant_id ?? DEFAULT_TENANT;
    const { event } = trigger;
    switch (trigger.type) {
      case 'user':
      case 'users': {
        const recipients = typeof trigger.target === 'string' ? [trigger.target] : trigger.target;
        const bodies = [...new Set(recipients)].map((r) => notificationFor(r, event));
        const requestId = this.ids('req');
        for (const body of bodies) await this.notifications.send(tenant, body, requestId);
        return;
      }
      case 'broadcast':
        this.live.toTenant(tenant, { event: event.event_type, data: event.payload });
        return;
      case 'channel':
      case 'channels': {
        const channels = typeof trigger.target === 'string' ? [trigger.target] : trigger.target;
        for (const channel of new Set(channels)) {
          this.live.toChannel(tenant, channel, { event: event.event_type, data: event.payload });
        }
        return;
      }
    }
  }
}
