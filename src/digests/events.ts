import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';

/** What a sent digest reports. */
const DigestSent = Type.Object(
  {
    subscriber_id: Type.String({ description: 'The subscriber (your user id).' }),
    notification_id: Type.String({ description: 'The digest notification (`ntf_…`).' }),
    channel: Type.String({ description: 'The channel it went on.' }),
    window_end: Type.String({ format: 'date-time', description: 'The end of its window.' }),
    count: Type.Integer({ description: 'Notifications it summarises.' }),
    categories: Type.Array(Type.String(), { description: 'Their categories.' }),
  },
  { additionalProperties: false },
);

/** The events of digests. */
export const DIGEST_EVENTS = defineEvents('digests', {
  'notification.digest.sent': {
    description:
      'A recipient’s digest for one window was sent (once per recipient and window, on whichever node sent it).',
    payload: DigestSent,
  },
});
