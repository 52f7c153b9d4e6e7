import { Type } from '@sinclair/typebox';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf } from '../http/route.js';
import type { Digests } from './service.js';

/** Reads a subscriber, 404 SUBSCRIBER_NOT_FOUND when there is none. */
export interface SubscriberLookup {
  get(tenantId: string, id: string): Promise<unknown>;
}

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const Iso = Type.String({ format: 'date-time' });
const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const DigestStateView = Type.Object({
  subscriber_id: Type.String(),
  settings: Type.Object({
    frequency: Type.String(),
    delivery_time: Type.String(),
    delivery_day: Type.String(),
    timezone: Type.String(),
    channel: Type.String(),
  }),
  last_sent_at: nullable(Iso),
  last_notification_id: nullable(Type.String()),
  pending: Type.Union([
    Type.Object({
      window_end: Iso,
      count: Type.Integer(),
      by_category: Type.Record(Type.String(), Type.Integer()),
    }),
    Type.Null(),
  ]),
});

/** `GET /subscribers/{id}/digest`: the subscriber's digest settings, last digest, open window. */
export function digestRoutes(digests: Digests, subscribers: SubscriberLookup): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/subscribers/:id/digest',
      summary: "A subscriber's digest: settings, when the last one was sent, what is collecting",
      tag: 'recipients',
      auth: { kind: 'key', scope: 'notifications:manage' },
      params: Params,
      responses: {
        200: { description: 'The digest state.', schema: DigestStateView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        const tenant = serviceOf(ctx).tenant_id;
        await subscribers.get(tenant, ctx.params.id);
        return { status: 200, body: await digests.state(tenant, ctx.params.id) };
      },
    }),
  ];
}
