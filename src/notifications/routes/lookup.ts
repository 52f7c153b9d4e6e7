import { Type } from '@sinclair/typebox';
import { olderPages } from '../../http/older-pages.js';
import { answers } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import type { NotificationLookup } from '../lookup.js';
import { DeliveryView, IdParams, NotificationView } from '../schemas.js';

/** Looking into what was sent is the tenant's operations, like dead letters: `notifications:admin`. */
const route = routeGroup('sending', { kind: 'key', scope: 'notifications:admin' });

const WithDeliveries = Type.Object({
  ...NotificationView.properties,
  deliveries: Type.Array(DeliveryView),
});

const SearchQuery = Type.Object(
  {
    recipient_id: Type.String({ minLength: 1, maxLength: 256 }),
    request_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only what this request sent.' }),
    ),
    status: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        pattern: '^[a-z_]+$',
        description: 'Only notifications with a delivery in this status (failed, deferred, …).',
      }),
    ),
    ...olderPages('notifications', 100, 20),
  },
  { additionalProperties: false },
);

/** What operators look up: a recipient's notifications, and one notification, with deliveries. */
export function lookupRoutes(lookup: NotificationLookup): AnyRoute[] {
  return [
    route({
      method: 'GET',
      path: '/api/v1/notifications',
      summary:
        'A recipient’s notifications with their deliveries, newest first (by request or delivery status)',
      query: SearchQuery,
      responses: answers(
        200,
        'One page; next_cursor (for before) when more may follow: a call reads at most 500 notifications, so a narrow filter may answer fewer than limit and a cursor.',
        Type.Object({
          data: Type.Array(WithDeliveries),
          next_cursor: Type.Union([Type.String(), Type.Null()]),
        }),
        [400, 401, 403],
      ),
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { limit, ...filter } = ctx.query;
        return { status: 200, body: await lookup.search(tenant_id, filter, limit ?? 20) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/v1/notifications/:id',
      summary:
        'One notification, whoever its recipient, with its deliveries (attempts, last answer)',
      params: IdParams,
      responses: answers(200, 'The notification.', WithDeliveries, [401, 403, 404]),
      async handler(ctx) {
        return { status: 200, body: await lookup.get(serviceOf(ctx).tenant_id, ctx.params.id) };
      },
    }),
  ];
}
