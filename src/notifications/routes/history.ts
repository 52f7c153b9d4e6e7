import { Type } from '@sinclair/typebox';
import { errors } from '../../http/responses.js';
import { type AnyRoute, userOf } from '../../http/route.js';
import { toCsv } from '../csv.js';
import { metadataOf } from '../feed-query.js';
import type { FeedHistory } from '../history.js';
import { feedFilters, METADATA_PARAM, MetadataParams, NotificationView } from '../schemas.js';
import { feedRoute } from './feed-route.js';

const Actor = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
});

export const GroupedPage = Type.Object({
  data: Type.Array(
    Type.Object({
      group_key: Type.Union([Type.String(), Type.Null()], {
        description: 'null: a notification without a group_key, alone.',
      }),
      count: Type.Integer(),
      unread_count: Type.Integer(),
      latest: NotificationView,
      actors: Type.Array(Actor, {
        description: 'From `data.actor`; most recent first, at most 5.',
      }),
      actor_count: Type.Integer(),
    }),
  ),
  has_more: Type.Boolean({
    description: 'More groups than `limit`, or more notifications than `window`.',
  }),
  scanned: Type.Integer({ description: 'How many notifications were grouped.' }),
});

const withMetadata = {
  additionalProperties: false,
  patternProperties: { [METADATA_PARAM]: MetadataParams },
};

/** Grouped feed and history export of the user's own feed, with their JWT. */
export function historyRoutes(history: FeedHistory, exportMax: number): AnyRoute[] {
  return [
    feedRoute({
      method: 'GET',
      path: '/api/v1/me/notifications/grouped',
      summary: 'The newest notifications grouped by group_key: count, latest, actors',
      query: Type.Object(
        {
          limit: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 100, description: 'groups (20)' }),
          ),
          window: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 2000,
              description: 'how many of the newest notifications are grouped (500)',
            }),
          ),
          ...feedFilters,
        },
        withMetadata,
      ),
      responses: { 200: { description: 'The groups.', schema: GroupedPage }, ...errors(400, 401) },
      async handler(ctx) {
        const q = ctx.query;
        const filters = { ...q, metadata: metadataOf(q) };
        const body = await history.grouped(userOf(ctx), filters, q.limit ?? 20, q.window ?? 500);
        return { status: 200, body };
      },
    }),
    feedRoute({
      method: 'GET',
      path: '/api/v1/me/notifications/export',
      summary: 'The user’s notification history as CSV or JSON (newest first, bounded)',
      query: Type.Object(
        {
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          ...feedFilters,
          dismissed: Type.Optional(
            Type.Boolean({ description: 'Absent: dismissed and not dismissed alike.' }),
          ),
        },
        withMetadata,
      ),
      responses: {
        200: {
          description: `Up to feed.export_max_rows notifications; X-Export-Truncated says whether there were more.`,
          schema: Type.Object({ data: Type.Array(NotificationView), truncated: Type.Boolean() }),
        },
        ...errors(400, 401),
      },
      async handler(ctx) {
        const q = ctx.query;
        const { items, truncated } = await history.export(
          userOf(ctx),
          { ...q, metadata: metadataOf(q) },
          exportMax,
        );
        const headers = {
          'x-export-truncated': String(truncated),
          'content-disposition': `attachment; filename="notifications.${q.format ?? 'json'}"`,
        };
        if (q.format === 'csv') {
          return {
            status: 200,
            headers,
            contentType: 'text/csv; charset=utf-8',
            body: toCsv(items),
          };
        }
        return { status: 200, headers, body: { data: items, truncated } };
      },
    }),
  ];
}
