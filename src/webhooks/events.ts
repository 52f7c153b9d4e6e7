import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';

/** The events of outgoing webhooks. */
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
});
