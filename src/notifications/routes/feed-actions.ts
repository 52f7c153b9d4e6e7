import { Type } from '@sinclair/typebox';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute, userOf } from '../../http/route.js';
import type { FeedService } from '../feed-service.js';
import { IdParams, NotificationView, ReadAllBody, ReadAllResult, UnreadCount } from '../schemas.js';

export const ActionResult = Type.Object({
  recorded: Type.Boolean({ description: 'false: this action had been taken before.' }),
  action_id: Type.String(),
  notification: NotificationView,
});

export const BulkDeleteResult = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.Union([Type.Literal('deleted'), Type.Literal('not_found')]),
    }),
  ),
  deleted: Type.Integer(),
  ...UnreadCount.properties,
});

/** Dismissing, actions and bulk deletion of the user's own feed, with their JWT. */
export function feedActionRoutes(feed: FeedService): AnyRoute[] {
  const user = { kind: 'user' } as const;
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/dismiss-all',
      summary: 'Dismiss every notification (optionally of one category); dismissing reads too',
      tag: 'feed',
      auth: user,
      body: ReadAllBody,
      bodyOptional: true,
      responses: { 200: { description: 'Done.', schema: ReadAllResult }, ...errors(400, 401) },
      async handler(ctx) {
        return { status: 200, body: await feed.dismissAll(userOf(ctx), ctx.body.category) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/bulk/delete',
      summary: 'Delete several notifications; one result per id',
      tag: 'feed',
      auth: user,
      body: Type.Object(
        {
          notification_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
            minItems: 1,
            maxItems: 500,
          }),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'What became of each id.', schema: BulkDeleteResult },
        ...errors(400, 401),
      },
      async handler(ctx) {
        return { status: 200, body: await feed.removeMany(userOf(ctx), ctx.body.notification_ids) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/:id/dismiss',
      summary: 'Dismiss one notification (it leaves the feed; dismissing reads it too)',
      tag: 'feed',
      auth: user,
      params: IdParams,
      body: Type.Object({}, { additionalProperties: false }),
      bodyOptional: true,
      responses: {
        200: { description: 'Unread counts after.', schema: UnreadCount },
        ...errors(401, 404),
      },
      async handler(ctx) {
        return { status: 200, body: await feed.dismiss(userOf(ctx), [ctx.params.id], true) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/:id/actions/:action_id',
      summary:
        'Take an action of a notification: recorded once, and sent to the sender as the notification.action event',
      tag: 'feed',
      auth: user,
      params: Type.Object({
        id: Type.String({ minLength: 1, maxLength: 64 }),
        action_id: Type.String({ minLength: 1, maxLength: 64 }),
      }),
      body: Type.Object({}, { additionalProperties: false }),
      bodyOptional: true,
      responses: {
        200: { description: 'Recorded (or recorded before).', schema: ActionResult },
        ...errors(401, 404, 409),
      },
      async handler(ctx) {
        const { id, action_id } = ctx.params;
        return { status: 200, body: await feed.act(userOf(ctx), id, action_id) };
      },
    }),
  ];
}
