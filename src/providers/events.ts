import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';
import type { DeliveryRecord } from '../notifications/records.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** Which delivery an event is about. */
const Delivery = {
  delivery_id: Type.String(),
  notification_id: Type.String(),
  recipient_id: Type.String(),
  channel: Type.String(),
  attempt: Type.Integer({ description: 'The attempt this was, 1 for the first.' }),
  category: Nullable(Type.String({ description: 'The notification’s category.' })),
};

/** The `Delivery` fields of an event: the delivery row it is about and its notification's category. */
export function deliveryFields(d: DeliveryRecord, category: string | null) {
  return {
    category,
    delivery_id: d.id,
    notification_id: d.notification_id,
    recipient_id: d.recipient_id,
    channel: d.channel,
    attempt: d.attempts,
  };
}

const Kind = Type.Union(
  [Type.Literal('retryable'), Type.Literal('permanent'), Type.Literal('invalid_recipient')],
  { description: 'What kind of failure the provider reported (a timeout or a throw: retryable).' },
);

/** `Delivery`, for the events in-app deliveries emit too: the delivery row may be unknown. */
const AnyDelivery = {
  ...Delivery,
  delivery_id: Nullable(
    Type.String({
      description:
        'The delivery row; null for an in-app delivery handed to a session (the feed notification is what was delivered).',
    }),
  ),
};

/** A delivery a provider took: `AnyDelivery`, the provider and the provider's id for the message. */
const HandedOver = {
  ...AnyDelivery,
  provider: Type.String(),
  provider_message_id: Nullable(Type.String()),
};

/** A runtime provider (`/providers/{name}`) that was changed, its version and who changed it. */
function providerChange(version: string) {
  return {
    provider: Type.String(),
    channel: Type.String(),
    plugin: Type.String(),
    version: Type.Integer({ description: version }),
    actor: Type.String({ description: 'The API key that made the change.' }),
  };
}

/** The events of the delivery workers and providers. */
export const PROVIDER_EVENTS = defineEvents('providers', {
  'notification.sent': {
    description:
      'A provider accepted a delivery (push, SMS, email, webhook, …): handed over, the delivery is `sent`. `notification.delivered` follows at once, or when the provider confirms it later (Twilio’s status callback, or a status poll). For `in_app` (provider `in_app`): the notification was committed to its recipient’s feed (or held by a per-user cap for later), once per notification; emitted only while a webhook subscribes to it, as analytics counts them apart.',
    payload: Type.Object({
      ...HandedOver,
      sent_at: Type.String({ format: 'date-time' }),
    }),
  },
  'notification.delivered': {
    description:
      'A delivery reached its recipient as far as the provider can tell: the push service, SMTP server or webhook accepted it, or (SMS through Twilio) Twilio reported it delivered, in a status callback or when polled. For `in_app` (provider `in_app`, `delivery_id` null): the notification was handed to an open WebSocket or SSE session of its recipient, live or from the offline queue when a session opened; once per node that has a session of the recipient. Emitted (and delivered to webhooks) only while a webhook subscribes to it, as analytics counts them apart.',
    payload: Type.Object({
      ...HandedOver,
      delivered_at: Type.String({ format: 'date-time' }),
    }),
  },
  'notification.failed': {
    description:
      'A delivery was given up: dead-lettered after its last attempt or a permanent failure on every provider, or reported undelivered later by a provider that had accepted it (status failed), or its address is gone (status bounced, device deactivated).',
    payload: Type.Object({
      ...Delivery,
      status: Type.Union([Type.Literal('failed'), Type.Literal('bounced')]),
      kind: Kind,
      provider: Nullable(Type.String()),
      error: Type.String(),
      failed_at: Type.String({ format: 'date-time' }),
    }),
  },
  'delivery.retry_scheduled': {
    description:
      'Every provider of the channel failed this attempt with a retryable failure; the delivery is tried again later.',
    payload: Type.Object({
      ...Delivery,
      provider: Nullable(Type.String()),
      error: Type.String(),
      next_attempt_at: Type.String({ format: 'date-time' }),
    }),
  },
  'notification.provider.configured': {
    description:
      'A runtime provider was added or replaced (`PUT /providers/{name}`); it serves on every node. Its options are not in the event.',
    payload: Type.Object(providerChange('Its version now; 1 when it was added.')),
  },
  'notification.provider.removed': {
    description: 'A runtime provider was removed (`DELETE /providers/{name}`) from every node.',
    payload: Type.Object(providerChange('The version it had.')),
  },
  'provider.circuit_changed': {
    description:
      'A provider’s circuit opened (its deliveries fail over to the next provider), went half-open (one trial send) or closed again.',
    payload: Type.Object({
      provider: Type.String(),
      channel: Type.String(),
      state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')]),
      last_error: Nullable(Type.String()),
    }),
  },
});
