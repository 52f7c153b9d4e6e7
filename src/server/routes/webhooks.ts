import { Type } from '@sinclair/typebox';
import {
  CreatedWebhookView,
  CreateWebhookBody,
  DeliveryAttemptView,
  TestResultView,
  UpdateWebhookBody,
  WebhookListQuery,
  WebhookView,
} from '../../webhooks/schemas.js';
import { type WebhookCaller, webhookView } from '../../webhooks/service.js';
import type { Webhooks } from '../../webhooks/webhooks.js';
import { type AnyRoute, defineRoute, serviceOf } from '../route.js';
import { errors } from './common.js';

const ADMIN = { kind: 'key', scope: 'notifications:admin' } as const;
const TAG = 'webhooks';
const BASE = '/api/v1/webhooks';
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

function callerOf(ctx: Parameters<typeof serviceOf>[0]): WebhookCaller {
  const p = serviceOf(ctx);
  return { tenant_id: p.tenant_id, tenant_bound: p.tenant_bound };
}

/** `/webhooks`: outgoing webhook subscriptions, their test and their recent deliveries. */
export function webhookRoutes(webhooks: Webhooks): AnyRoute[] {
  const { service, dispatcher, log } = webhooks;
  return [
    defineRoute({
      method: 'POST',
      path: BASE,
      summary: 'Create a webhook (its secret is shown once, in this answer)',
      tag: TAG,
      auth: ADMIN,
      body: CreateWebhookBody,
      responses: {
        201: { description: 'Created.', schema: CreatedWebhookView },
        ...errors(400, 401, 403),
      },
      async handler(ctx) {
        const { webhook, secret } = await service.create(callerOf(ctx), ctx.body);
        return { status: 201, body: { ...webhookView(webhook), secret } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: BASE,
      summary: "List webhooks: the tenant's and, for keys bound to no tenant, the global ones",
      tag: TAG,
      auth: ADMIN,
      query: WebhookListQuery,
      responses: {
        200: {
          description: 'One page, oldest first.',
          schema: Type.Object({
            data: Type.Array(WebhookView),
            page: Type.Integer(),
            per_page: Type.Integer(),
            total: Type.Integer(),
          }),
        },
        ...errors(400, 401, 403),
      },
      async handler(ctx) {
        const page = await service.list(callerOf(ctx), ctx.query);
        return {
          status: 200,
          body: {
            data: page.items.map(webhookView),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:id`,
      summary: 'Get a webhook',
      tag: TAG,
      auth: ADMIN,
      params: IdParams,
      responses: {
        200: { description: 'The webhook.', schema: WebhookView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        return { status: 200, body: webhookView(await service.get(callerOf(ctx), ctx.params.id)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${BASE}/:id`,
      summary: 'Change a webhook (the fields given)',
      tag: TAG,
      auth: ADMIN,
      params: IdParams,
      body: UpdateWebhookBody,
      responses: {
        200: { description: 'Changed.', schema: WebhookView },
        ...errors(400, 401, 403, 404, 409),
      },
      async handler(ctx) {
        const updated = await service.update(callerOf(ctx), ctx.params.id, ctx.body);
        return { status: 200, body: webhookView(updated) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:id`,
      summary: 'Delete a webhook',
      tag: TAG,
      auth: ADMIN,
      params: IdParams,
      responses: { 204: { description: 'Deleted.' }, ...errors(400, 401, 403, 404) },
      async handler(ctx) {
        const removed = await service.remove(callerOf(ctx), ctx.params.id);
        log.forget(removed.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/:id/test`,
      summary: 'Send a webhook.test event now, once, and answer how it went',
      tag: TAG,
      auth: ADMIN,
      params: IdParams,
      bodyOptional: true,
      body: Type.Object({}, { additionalProperties: false }),
      responses: {
        200: { description: 'The attempt (delivered or not).', schema: TestResultView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        const result = await dispatcher.test(await service.get(callerOf(ctx), ctx.params.id));
        return {
          status: 200,
          body: {
            event_id: result.event_id,
            delivered: result.delivered,
            status_code: result.status_code,
            error: result.error,
            duration_ms: result.duration_ms,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:id/deliveries`,
      summary: "Recent delivery attempts, newest first (this node's, kept in memory)",
      tag: TAG,
      auth: ADMIN,
      params: IdParams,
      responses: {
        200: {
          description: 'The attempts.',
          schema: Type.Object({ data: Type.Array(DeliveryAttemptView) }),
        },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        const webhook = await service.get(callerOf(ctx), ctx.params.id);
        return { status: 200, body: { data: log.recent(webhook.id) } };
      },
    }),
  ];
}
