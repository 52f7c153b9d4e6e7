import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';

const Ids = Type.Array(Type.String(), {
  description: 'The notifications that changed; empty when `all` is true.',
});
const All = Type.Boolean({ description: 'Every (unread, undismissed) notification of the user.' });
const Category = Type.Union([Type.String(), Type.Null()], {
  description: 'With `all`: only this category’s; null: every category.',
});
const At = Type.String({ format: 'date-time' });

/** The events of sending and of the in-app feed: what recipients do with their notifications. */
export const NOTIFICATION_EVENTS = defineEvents('notifications', {
  'notification.accepted': {
    description:
      'A notification to one recipient was accepted and stored (a send, a batch item, a topic member, a scheduled send at its time), once per notification; its channels follow as `notification.sent` / `notification.delivered` per delivery (in-app ones when committed to the feed and handed to a session).',
    payload: Type.Object({
      notification_id: Type.String(),
      request_id: Type.String(),
      recipient_id: Type.String(),
      category: Type.String(),
      priority: Type.String(),
      channels: Type.Array(Type.String(), { description: 'The channels it was routed to.' }),
      template: Type.Union([Type.String(), Type.Null()], {
        description: 'The key of the template it was rendered from; null for inline content.',
      }),
      accepted_at: At,
    }),
  },
  'notification.read': {
    description:
      'A user read notifications (one, several, or all of a category), or took an action of an unread one; once per notification, when it stops being unread.',
    payload: Type.Object({
      recipient_id: Type.String(),
      notification_ids: Ids,
      all: All,
      category: Category,
      count: Type.Integer({ description: 'How many notifications this read.' }),
      read_at: At,
    }),
  },
  'notification.dismissed': {
    description: 'A user dismissed notifications (one, several, or all of a category).',
    payload: Type.Object({
      recipient_id: Type.String(),
      notification_ids: Ids,
      all: All,
      category: Category,
      count: Type.Integer({ description: 'How many notifications this dismissed.' }),
      dismissed_at: At,
    }),
  },
  'notification.action': {
    description: 'A user took an action of a notification (recorded once per notification).',
    payload: Type.Object({
      notification_id: Type.String(),
      recipient_id: Type.String(),
      action_id: Type.String(),
      label: Type.String(),
      callback_key: Type.Union([Type.String(), Type.Null()], {
        description: 'The sender’s key for this action, as given when sending.',
      }),
      url: Type.Union([Type.String(), Type.Null()]),
      category: Type.String(),
      data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description: 'The notification’s data, as sent.',
      }),
      taken_at: At,
    }),
  },
});
