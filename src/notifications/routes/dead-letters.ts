import { Type } from '@sinclair/typebox';
import { olderPages } from '../../http/older-pages.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import { type DeliveryService, RETRY_ALL_MAX } from '../deliveries.js';
import { DeliveryView } from '../schemas.js';

const BASE = '/api/v1/deliveries';
/** Dead letters are the tenant's operations: reading and retrying them needs `notifications:admin`. */
const route = routeGroup('providers', { kind: 'key', scope: 'notifications:admin' });

const Channel = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' });

const DeadLetterView = Type.Object({
  ...DeliveryView.properties,
  notification_id: Type.String(),
  recipient_id: Type.String(),
});

const DeadQuery = Type.Object(
  {
    channel: Type.Optional(Channel),
    ...olderPages('dead letters', 200, 50),
  },
  { additionalProperties: false },
);

/** The dead-letter list (failed deliveries) and retrying them. */
export function deadLetterRoutes(deliveries: DeliveryService): AnyRoute[] {
  return [
    route({
      method: 'GET',
      path: `${BASE}/dead`,
      summary: 'Dead letters: deliveries that failed for good, newest first',
      query: DeadQuery,
      responses: {
        200: {
          description: 'One page; next_cursor (for before) when more may follow.',
          schema: Type.Object({
            data: Type.Array(DeadLetterView),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
        ...errors(400, 401, 403),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { channel, before, limit } = ctx.query;
        const filter = { ...(channel ? { channel } : {}), ...(before ? { before } : {}) };
        return { status: 200, body: await deliveries.listDead(tenant_id, filter, limit ?? 50) };
      },
    }),
    route({
      method: 'POST',
      path: `${BASE}/dead/retry-all`,
      summary: `Put the dead letters (of one channel) back in the queue, up to ${RETRY_ALL_MAX} a call`,
      body: Type.Object({ channel: Type.Optional(Channel) }, { additionalProperties: false }),
      bodyOptional: true,
      responses: {
        200: {
          description: 'How many were queued again; more: call again for the rest.',
          schema: Type.Object({ retried: Type.Integer(), more: Type.Boolean() }),
        },
        ...errors(400, 401, 403, 415),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await deliveries.retryAllDead(tenant_id, ctx.body?.channel) };
      },
    }),
    route({
      method: 'POST',
      path: `${BASE}/:id/retry`,
      summary: 'Put one dead letter back in the queue, due now, its attempts counted from 0',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
      responses: {
        200: { description: 'The delivery, pending again.', schema: DeadLetterView },
        ...errors(401, 403, 404),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await deliveries.retryDead(tenant_id, ctx.params.id) };
      },
    }),
  ];
}
