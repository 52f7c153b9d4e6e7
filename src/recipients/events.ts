import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';
import { objectChange } from '../objects/change-payload.js';

const Subscriber = Type.String({ description: 'The subscriber (your user id).' });
const Actor = Type.String({
  description: 'The API key that made the change (`admin` for the configured admin key).',
});

/** The events of subscribers, devices, topics, categories and preferences. */
export const RECIPIENT_EVENTS = defineEvents('recipients', {
  'notification.preference_updated': {
    description:
      'A subscriber’s preferences changed (by the user or a service), or were reset to the defaults.',
    payload: Type.Object(
      {
        subscriber_id: Subscriber,
        category_id: Type.Union([Type.String(), Type.Null()], {
          description: 'The category changed alone (PUT …/categories/{id}); null otherwise.',
        }),
        reset: Type.Boolean({ description: 'True when reset to the defaults (DELETE).' }),
      },
      { additionalProperties: false },
    ),
  },
  'notification.topic.created': {
    description: 'A topic was created.',
    payload: Type.Object(
      { topic_key: Type.String(), name: Type.String(), actor: Actor },
      { additionalProperties: false },
    ),
  },
  'notification.topic.updated': {
    description: 'A topic’s name or description changed.',
    payload: Type.Object(
      { topic_key: Type.String(), name: Type.String(), version: Type.Integer(), actor: Actor },
      { additionalProperties: false },
    ),
  },
  'notification.topic.deleted': {
    description: 'A topic was deleted, with its memberships.',
    payload: Type.Object(
      { topic_key: Type.String(), members_removed: Type.Integer(), actor: Actor },
      { additionalProperties: false },
    ),
  },
  'notification.subscriber.erased': {
    description:
      'A subscriber was erased (GDPR, `DELETE /subscribers/{id}`) with their notifications, devices, preferences and topic memberships.',
    payload: Type.Object(
      {
        subscriber_id: Subscriber,
        notifications: Type.Integer({ description: 'Notifications erased.' }),
        devices: Type.Integer({ description: 'Devices erased.' }),
        topic_memberships: Type.Integer({ description: 'Topic memberships erased.' }),
        actor: Actor,
      },
      { additionalProperties: false },
    ),
  },
  'notification.category.created': objectChange('A category was created (`id`: its slug).'),
  'notification.category.updated': objectChange('A category was changed.'),
  'notification.category.deleted': objectChange('A category was deleted.'),
  'notification.device.registered': {
    description: 'A push address was registered (or registered again, which updates it).',
    payload: Type.Object(
      {
        subscriber_id: Subscriber,
        device_id: Type.String(),
        kind: Type.String({ description: 'webpush, fcm or apns.' }),
        created: Type.Boolean({ description: 'False when the address was known and updated.' }),
      },
      { additionalProperties: false },
    ),
  },
  'notification.device.unregistered': {
    description:
      'A push address was removed (by its user or a service) or deactivated after a provider said it is gone.',
    payload: Type.Object(
      {
        subscriber_id: Subscriber,
        device_id: Type.String(),
        kind: Type.String(),
        reason: Type.String({ description: '`deleted`, or why a provider refused it.' }),
      },
      { additionalProperties: false },
    ),
  },
});
