import { type Static, Type } from '@sinclair/typebox';
import { OwnerTenant } from '../objects/schemas.js';
import { EVENT_PATTERN } from './event-pattern.js';

/**
 * The shapes of webhook subscriptions: what the API takes and what it answers. The stored
 * document is `WebhookData`; the secret is in it (deliveries are signed with it) but no
 * view shows it after the create answer.
 */

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where events are POSTed: an http or https URL, not at an address in webhooks.denied_networks. Redirects are not followed.',
});
const Events = Type.Array(
  Type.String({
    pattern: EVENT_PATTERN,
    maxLength: 128,
    description: 'An event type, or a glob where * is any run of characters: ratelimit.*, *.',
  }),
  { minItems: 1, maxItems: 64, uniqueItems: true },
);
const Secret = Type.String({
  minLength: 16,
  maxLength: 256,
  description: 'The HMAC key of x-notifyd-signature; generated when not given.',
});
const Description = Type.String({ maxLength: 1024 });

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    secret: Type.Optional(Secret),
    description: Type.Optional(Description),
    active: Type.Optional(Type.Boolean({ description: 'Inactive webhooks get nothing.' })),
    tenant_id: OwnerTenant(
      "The tenant whose events it gets; null for every tenant's (a key bound to no tenant); default the caller's.",
    ),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    secret: Type.Optional(Secret),
    description: Type.Optional(Description),
    active: Type.Optional(Type.Boolean()),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Refuse the change (409 VERSION_CONFLICT) unless it is at this version.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

/** The stored document of kind `webhook` (a type, not an interface: it is a JSON record). */
export type WebhookData = {
  url: string;
  events: string[];
  secret: string;
  description: string;
  active: boolean;
};

export const WebhookView = Type.Object({
  id: Type.String(),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  active: Type.Boolean(),
  version: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type WebhookView = Static<typeof WebhookView>;

export const CreatedWebhookView = Type.Composite([
  WebhookView,
  Type.Object({ secret: Type.String({ description: 'Shown in this answer only.' }) }),
]);

/** Page-based, like every admin object list. */
export { ListQuery as WebhookListQuery, OwnerTenant } from '../objects/schemas.js';

/** One delivery attempt, as the deliveries log keeps it. */
export const DeliveryAttemptView = Type.Object({
  event_id: Type.String(),
  event_type: Type.String(),
  attempt: Type.Integer({ description: '1 for the first try.' }),
  result: Type.Union([Type.Literal('delivered'), Type.Literal('retrying'), Type.Literal('failed')]),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()], {
    description: 'Why it failed without an answer (timeout, connection refused…).',
  }),
  duration_ms: Type.Number(),
  at: Type.String(),
});
export type DeliveryAttemptView = Static<typeof DeliveryAttemptView>;

export const TestResultView = Type.Object({
  event_id: Type.String(),
  delivered: Type.Boolean(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Number(),
});

/** One event a webhook can subscribe to, as GET /webhooks/events lists it. */
export const CataloguedEventView = Type.Object({
  name: Type.String({
    description: 'The event type, as in a webhook’s events and x-notifyd-event.',
  }),
  module: Type.String({ description: 'The module that emits it.' }),
  description: Type.String(),
  payload: Type.Unknown({ description: "The JSON Schema of the envelope's data." }),
});
