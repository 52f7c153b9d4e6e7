import { Type } from '@sinclair/typebox';
import { errors } from '../../http/responses.js';
import { type AnyRoute, userOf } from '../../http/route.js';
import type { FeedService } from '../feed-service.js';
import { NotificationView, UnreadCount } from '../schemas.js';
import {
  EmptyBody,
  feedAllRoute,
  feedItemRoute,
  feedRoute,
  NotificationIdsBody,
} from './feed-route.js';

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
  return [
    feedAllRoute(
      '/api/v1/me/notifications/dismiss-all',
      'Dismiss every notification (optionally of one category); dismissing reads too',
      (user, category) => feed.dismissAll(user, category),
    ),
    feedRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/bulk/delete',
      summary: 'Delete several notifications; one result per id',
      body: NotificationIdsBody,
      responses: {
        200: { description: 'What became of each id.', schema: BulkDeleteResult },
        ...errors(400, 401),
      },
      async handler(ctx) {
        return { status: 200, body: await feed.removeMany(userOf(ctx), ctx.body.notification_ids) };
      },
    }),
    feedItemRoute(
      '/api/v1/me/notifications/:id/dismiss',
      'Dismiss one notification (it leaves the feed; dismissing reads it too)',
      (user, ids, strict) => feed.dismiss(user, ids, strict),
    ),
    feedRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/:id/actions/:action_id',
      summary:
        'Take an action of a notification: recorded once, and sent to the sender as the notification.action event',
      params: Type.Object({
        id: Type.String({ minLength: 1, maxLength: 64 }),
        action_id: Type.String({ minLength: 1, maxLength: 64 }),
      }),
      body: EmptyBody,
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
