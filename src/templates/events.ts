import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';

const Change = Type.Object(
  {
    template_id: Type.String({ description: 'The template (`tpl_…`).' }),
    key: Type.String({ description: 'Its key.' }),
    version: Type.Integer({ description: 'The version now current.' }),
    is_active: Type.Boolean(),
    actor: Type.String({
      description: 'The API key that made the change (`admin` for the configured admin key).',
    }),
  },
  { additionalProperties: false },
);

/** The events of notification templates. */
export const TEMPLATE_EVENTS = defineEvents('templates', {
  'notification.template.created': {
    description: 'A template was created (version 1).',
    payload: Change,
  },
  'notification.template.updated': {
    description:
      'A template changed: a new version was made by an update or by activating an older version.',
    payload: Change,
  },
  'notification.template.deleted': {
    description: 'A template was deleted, with its past versions (`version`: its last).',
    payload: Change,
  },
});
