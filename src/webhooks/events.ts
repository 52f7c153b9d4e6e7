import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';
import { objectChange } from '../objects/change-payload.js';

/** The events of outgoing webhooks, and of their subscriptions' changes. */
export const WEBHOOK_EVENTS = defineEvents('webhooks', {
  'webhook.test': {
    description:
      'Sent by POST /webhooks/{id}/test to that webhook alone, now, once; never on the bus.',
    payload: Type.Object(
      {
        webhook_id: Type.String({ description: 'The webhook tested.' }),
        message: Type.String({ description: 'A sentence saying what this is.' }),
      },
      { additionalProperties: false },
    ),
  },
  'webhook.created': objectChange(
    'A webhook was created (`name`: its description, else its URL’s host; never its secret).',
  ),
  'webhook.updated': objectChange('A webhook was changed (its URL, events, secret or state).'),
  'webhook.deleted': objectChange('A webhook was deleted.'),
});
