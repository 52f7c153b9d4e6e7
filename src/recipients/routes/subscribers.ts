import { Type } from '@sinclair/typebox';
import type { EventSink } from '../../events/catalogue.js';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import type { SubscriberErasure } from '../erasure.js';
import {
  CursorPage,
  CursorQuery,
  SubscriberBody,
  SubscriberListQuery,
  SubscriberParams,
  SubscriberView,
} from '../schemas.js';
import { type SubscriberService, subscriberView } from '../subscribers.js';

const BASE = '/api/v1/subscribers';
export const TAG = 'recipients';
export const MANAGE = { kind: 'key', scope: 'notifications:manage' } as const;
const route = routeGroup(TAG, MANAGE);
/** Topics and categories: `notifications:manage`; global categories `notifications:admin`. */
export const OBJECT_SCOPES = {
  read: 'notifications:manage',
  manage: 'notifications:manage',
  admin: 'notifications:admin',
} as const;

const ErasedView = Type.Object({
  id: Type.String(),
  erased: Type.Object({
    subscriber: Type.Boolean({ description: 'Whether there was a subscriber record.' }),
    notifications: Type.Integer(),
    devices: Type.Integer(),
    topic_memberships: Type.Integer(),
    preferences: Type.Boolean(),
  }),
});

const ExportView = Type.Object(
  {
    exported_at: Type.String({ format: 'date-time' }),
    subscriber_id: Type.String(),
    subscriber: Type.Union([SubscriberView, Type.Null()]),
    devices: Type.Array(Type.Unknown()),
    preferences: Type.Object({ stored: Type.Unknown(), effective: Type.Unknown() }),
    topics: Type.Array(Type.String()),
    notifications: Type.Array(Type.Unknown(), {
      description:
        'Notifications (deleted ones too), oldest first, each with its deliveries: at most `limit` (default and most 1,000) per answer.',
    }),
    cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `?cursor=` for the next notifications; null when all are in.',
    }),
    has_more: Type.Boolean(),
  },
  { description: 'Everything notifyd keeps about the subscriber.' },
);

/** `/subscribers`: upsert, read, list, GDPR erasure and export. */
export function subscriberRoutes(
  subscribers: SubscriberService,
  erasure: SubscriberErasure,
  emit: EventSink<'notification.subscriber.erased'>,
): AnyRoute[] {
  const tenant = (ctx: Parameters<typeof serviceOf>[0]) => serviceOf(ctx).tenant_id;
  return [
    route({
      method: 'GET',
      path: BASE,
      summary: 'List subscribers by id (cursor pagination), optionally those with one email',
      query: SubscriberListQuery,
      responses: answers(200, 'One page.', CursorPage(SubscriberView), [400, 401, 403]),
      async handler(ctx) {
        const page = await subscribers.list(tenant(ctx), ctx.query);
        return {
          status: 200,
          body: {
            data: page.items.map(subscriberView),
            cursor: page.cursor,
            has_more: page.has_more,
          },
        };
      },
    }),
    route({
      method: 'PUT',
      path: `${BASE}/:id`,
      summary: 'Create a subscriber or change the fields given (null clears one)',
      params: SubscriberParams,
      body: SubscriberBody,
      bodyOptional: true,
      responses: {
        200: { description: 'Updated.', schema: SubscriberView },
        201: { description: 'Created.', schema: SubscriberView },
        ...errors(400, 401, 403),
      },
      async handler(ctx) {
        const { subscriber, created } = await subscribers.upsert(
          tenant(ctx),
          ctx.params.id,
          ctx.body,
        );
        return { status: created ? 201 : 200, body: subscriberView(subscriber) };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/:id`,
      summary: 'Get a subscriber',
      params: SubscriberParams,
      responses: answers(200, 'The subscriber.', SubscriberView, [400, 401, 403, 404]),
      async handler(ctx) {
        return {
          status: 200,
          body: subscriberView(await subscribers.get(tenant(ctx), ctx.params.id)),
        };
      },
    }),
    route({
      method: 'DELETE',
      path: `${BASE}/:id`,
      summary:
        'Erase a subscriber (GDPR) with their notifications, deliveries, devices, preferences and topic memberships',
      params: SubscriberParams,
      responses: answers(200, 'Erased: what was deleted.', ErasedView, [400, 401, 403, 404]),
      async handler(ctx) {
        const erased = await erasure.erase(tenant(ctx), ctx.params.id);
        // Who erased whom goes to the audit log (and to webhooks, to erase downstream too).
        emit('notification.subscriber.erased', tenant(ctx), {
          subscriber_id: erased.id,
          notifications: erased.erased.notifications,
          devices: erased.erased.devices,
          topic_memberships: erased.erased.topic_memberships,
          actor: serviceOf(ctx).key_id,
        });
        return { status: 200, body: erased };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/:id/export`,
      summary:
        'Export everything kept about a subscriber as JSON (GDPR); notifications 1,000 per answer, paged with ?cursor=',
      params: SubscriberParams,
      query: CursorQuery,
      responses: answers(200, 'The export.', ExportView, [400, 401, 403, 404]),
      async handler(ctx) {
        return { status: 200, body: await erasure.export(tenant(ctx), ctx.params.id, ctx.query) };
      },
    }),
  ];
}
