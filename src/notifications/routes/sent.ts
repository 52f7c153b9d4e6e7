import { Type } from '@sinclair/typebox';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, serviceOf } from '../../http/route.js';
import { ContentBody, IdParams, NotificationActionSchema, NotificationView } from '../schemas.js';
import type { SentNotifications } from '../sent.js';
import { sendingRoute } from './sending-route.js';

const PatchBody = Type.Object(
  {
    content: Type.Optional(ContentBody),
    actions: Type.Optional(Type.Array(NotificationActionSchema, { maxItems: 10 })),
    expires_at: Type.Optional(
      Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'null: never expires.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Changing and retracting notifications after sending, for services with an API key. */
export function sentRoutes(sent: SentNotifications): AnyRoute[] {
  return [
    sendingRoute({
      method: 'PATCH',
      path: '/api/v1/notifications/:id',
      summary: 'Change a sent notification’s content, actions or expiry (open sessions are told)',
      params: IdParams,
      body: PatchBody,
      responses: answers(200, 'The notification after.', NotificationView, [400, 401, 403, 404]),
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await sent.update(tenant_id, ctx.params.id, ctx.body) };
      },
    }),
    sendingRoute({
      method: 'DELETE',
      path: '/api/v1/notifications/:id',
      summary: 'Retract a sent notification from its recipient’s feed (open sessions are told)',
      params: IdParams,
      responses: { 204: { description: 'Retracted.' }, ...errors(401, 403, 404) },
      async handler(ctx) {
        await sent.retract(serviceOf(ctx).tenant_id, ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
