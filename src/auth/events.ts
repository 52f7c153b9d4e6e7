import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';

const Actor = Type.String({
  description: 'The API key that made the change (`admin` for the configured admin key).',
});

/** The events of API key management: the audit log's who-changed-which-key. */
export const AUTH_EVENTS = defineEvents('auth', {
  'api_key.created': {
    description: 'An API key was created (its secret is never in an event).',
    payload: Type.Object(
      {
        key_id: Type.String(),
        name: Type.String(),
        prefix: Type.String({ description: 'The key’s visible prefix.' }),
        scopes: Type.Array(Type.String()),
        tenant_id: Type.Union([Type.String(), Type.Null()], {
          description: 'The tenant it is bound to; null: none.',
        }),
        expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        actor: Actor,
      },
      { additionalProperties: false },
    ),
  },
  'api_key.revoked': {
    description: 'An API key was revoked: requests with it are refused from now on.',
    payload: Type.Object(
      { key_id: Type.String(), name: Type.String(), actor: Actor },
      { additionalProperties: false },
    ),
  },
});
