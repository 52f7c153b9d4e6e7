import { type Static, Type } from '@sinclair/typebox';
import type { UserPrincipal } from '../../auth/principal.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, userOf } from '../../http/route.js';
import { IdParams, ReadAllBody, ReadAllResult, UnreadCount } from '../schemas.js';
import type { UnreadSummary } from '../user-channel.js';

/** A body that must be empty (or absent, with `bodyOptional`). */
export const EmptyBody = Type.Object({}, { additionalProperties: false });

/** The ids a bulk feed request acts on. */
export const NotificationIdsBody = Type.Object(
  {
    notification_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 500,
    }),
  },
  { additionalProperties: false },
);

/** A route of the end user's own feed: tagged `feed`, called with the user's JWT. */
export const feedRoute = routeGroup('feed', { kind: 'user' });

/** `POST path` on one notification (`:id`), answering the unread counts after. */
export function feedItemRoute(
  path: string,
  summary: string,
  act: (user: UserPrincipal, ids: string[], strict: boolean) => Promise<UnreadSummary>,
): AnyRoute {
  return feedRoute({
    method: 'POST',
    path,
    summary,
    params: IdParams,
    body: EmptyBody,
    bodyOptional: true,
    responses: {
      200: { description: 'Unread counts after.', schema: UnreadCount },
      ...errors(401, 404),
    },
    async handler(ctx) {
      return { status: 200, body: await act(userOf(ctx), [ctx.params.id], true) };
    },
  });
}

/** `POST path` on every notification of the user (or of one category's). */
export function feedAllRoute(
  path: string,
  summary: string,
  act: (user: UserPrincipal, category?: string) => Promise<Static<typeof ReadAllResult>>,
): AnyRoute {
  return feedRoute({
    method: 'POST',
    path,
    summary,
    body: ReadAllBody,
    bodyOptional: true,
    responses: { 200: { description: 'Done.', schema: ReadAllResult }, ...errors(400, 401) },
    async handler(ctx) {
      return { status: 200, body: await act(userOf(ctx), ctx.body.category) };
    },
  });
}
