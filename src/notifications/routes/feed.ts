import { Type } from '@sinclair/typebox';
import { NotifydError } from '../../core/errors.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, userOf } from '../../http/route.js';
import { metadataOf } from '../feed-query.js';
import { FeedPage, FeedQuery, IdParams, NotificationView, UnreadCount } from '../schemas.js';
import type { NotificationService } from '../service.js';
import { feedAllRoute, feedItemRoute, feedRoute, NotificationIdsBody } from './feed-route.js';

export interface FeedLimits {
  default_limit: number;
  max_limit: number;
}

/** The end user's own feed, with their JWT. */
export function feedRoutes(service: NotificationService, limits: FeedLimits): AnyRoute[] {
  return [
    feedRoute({
      method: 'GET',
      path: '/api/v1/me/notifications',
      summary: 'The user’s feed, newest first',
      query: FeedQuery,
      responses: { 200: { description: 'One page.', schema: FeedPage }, ...errors(400, 401) },
      async handler(ctx) {
        const limit = ctx.query.limit ?? limits.default_limit;
        if (limit > limits.max_limit) {
          throw new NotifydError('VALIDATION_ERROR', `query.limit must be <= ${limits.max_limit}`, {
            issues: [{ field: 'query.limit', message: `must be <= ${limits.max_limit}` }],
          });
        }
        const metadata = metadataOf(ctx.query);
        const query = { ...ctx.query, limit, ...(metadata ? { metadata } : {}) };
        return { status: 200, body: await service.feed(userOf(ctx), query) };
      },
    }),
    feedRoute({
      method: 'GET',
      path: '/api/v1/me/unread-count',
      summary:
        'Unread notifications: total, by category and by priority (expired ones not counted)',
      responses: { 200: { description: 'The counts.', schema: UnreadCount }, ...errors(401) },
      async handler(ctx) {
        return { status: 200, body: await service.unread(userOf(ctx)) };
      },
    }),
    feedAllRoute(
      '/api/v1/me/notifications/read-all',
      'Mark every unread notification read (optionally of one category)',
      (user, category) => service.markAllRead(user, category),
    ),
    feedRoute({
      method: 'POST',
      path: '/api/v1/me/notifications/bulk/ack',
      summary: 'Acknowledge that the app received these notifications (as the ack frame does)',
      body: NotificationIdsBody,
      responses: {
        200: {
          description: 'How many deliveries this acknowledged (acking twice changes nothing).',
          schema: Type.Object({ acknowledged: Type.Integer() }),
        },
        ...errors(400, 401, 404),
      },
      async handler(ctx) {
        const acknowledged = await service.ack(userOf(ctx), ctx.body.notification_ids);
        return { status: 200, body: { acknowledged } };
      },
    }),
    feedRoute({
      method: 'GET',
      path: '/api/v1/me/notifications/:id',
      summary: 'One notification',
      params: IdParams,
      responses: { 200: { description: 'It.', schema: NotificationView }, ...errors(401, 404) },
      async handler(ctx) {
        return { status: 200, body: await service.get(userOf(ctx), ctx.params.id) };
      },
    }),
    feedItemRoute(
      '/api/v1/me/notifications/:id/read',
      'Mark one notification read',
      (user, ids, strict) => service.markRead(user, ids, strict),
    ),
    feedRoute({
      method: 'DELETE',
      path: '/api/v1/me/notifications/:id',
      summary: 'Delete one notification from the feed',
      params: IdParams,
      responses: { 204: { description: 'Deleted.' }, ...errors(401, 404) },
      async handler(ctx) {
        await service.remove(userOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
