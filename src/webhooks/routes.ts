import { Type } from '@sinclair/typebox';
import { type EventSink, listEvents } from '../events/catalogue.js';
import { itemRoute, type KindRoutes, objectRoutes } from '../http/admin-routes.js';
import { answers } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { changedObject, crudEvents, type ObjectChangeEvent } from '../objects/change-events.js';
import {
  CataloguedEventView,
  CreatedWebhookView,
  CreateWebhookBody,
  DeliveryAttemptView,
  TestResultView,
  UpdateWebhookBody,
  WebhookListQuery,
  WebhookView,
} from './schemas.js';
import { type StoredWebhook, webhookView } from './service.js';
import type { Webhooks } from './webhooks.js';

/** Every webhook route needs `notifications:admin`. */
const ADMIN = 'notifications:admin';
const TAG = 'webhooks';
const BASE = '/api/v1/webhooks';

/** `/webhooks`: outgoing webhook subscriptions, their test and their recent deliveries. */
export function webhookRoutes(webhooks: Webhooks, emit: EventSink<ObjectChangeEvent>): AnyRoute[] {
  const { service, dispatcher, log } = webhooks;
  const auth = { kind: 'key', scope: ADMIN } as const;
  const kind: KindRoutes = {
    base: BASE,
    tag: TAG,
    scopes: { read: ADMIN, manage: ADMIN, admin: ADMIN },
  };
  return objectRoutes({
    ...kind,
    noun: 'webhook',
    view: WebhookView,
    toView: webhookView,
    service,
    created: {
      schema: CreatedWebhookView,
      toView: (o) => ({ ...webhookView(o), secret: o.data.secret }),
    },
    create: {
      summary: 'Create a webhook (its secret is shown once, in this answer)',
      body: CreateWebhookBody,
    },
    list: {
      summary: "List webhooks: the tenant's and, for keys bound to no tenant, the global ones",
      query: WebhookListQuery,
    },
    collection: [
      defineRoute({
        method: 'GET',
        path: `${BASE}/events`,
        summary: 'Every event a webhook can subscribe to, with its payload schema',
        tag: TAG,
        auth,
        responses: answers(
          200,
          'The event catalogue, by module.',
          Type.Object({ data: Type.Array(CataloguedEventView) }),
          [401, 403],
        ),
        async handler() {
          return { status: 200, body: { data: listEvents() } };
        },
      }),
    ],
    get: {},
    update: { summary: 'Change a webhook (the fields given)', body: UpdateWebhookBody },
    remove: { after: (removed) => log.forget(removed.id) },
    // Named by its description, else its URL's host: a URL's path or query may hold a token.
    changes: crudEvents(emit, 'webhook', (o: StoredWebhook) => ({
      ...changedObject(o),
      name: o.data.description || hostOf(o.data.url),
    })),
    item: [
      itemRoute(kind, 'manage', {
        method: 'POST',
        action: 'test',
        summary: 'Send a webhook.test event now, once, and answer how it went',
        bodyOptional: true,
        body: Type.Object({}, { additionalProperties: false }),
        responses: answers(
          200,
          'The attempt (delivered or not).',
          TestResultView,
          [400, 401, 403, 404],
        ),
        async handler(caller, ctx) {
          const webhook = await service.get(caller, ctx.params.id);
          const { event_id, delivered, status_code, error, duration_ms } = await dispatcher.test(
            service.opened(webhook),
          );
          return { status: 200, body: { event_id, delivered, status_code, error, duration_ms } };
        },
      }),
      itemRoute(kind, 'read', {
        method: 'GET',
        action: 'deliveries',
        summary: "Recent delivery attempts, newest first (this node's, kept in memory)",
        responses: answers(
          200,
          'The attempts.',
          Type.Object({ data: Type.Array(DeliveryAttemptView) }),
          [400, 401, 403, 404],
        ),
        async handler(caller, ctx) {
          const webhook = await service.get(caller, ctx.params.id);
          return { status: 200, body: { data: log.recent(webhook.id) } };
        },
      }),
    ],
  });
}

/** A URL's host, or null when it is none. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
