import { Type } from '@sinclair/typebox';
import { callerOf, IdParams, objectRoutes } from '../../http/admin-routes.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import {
  CreateTopicBody,
  CursorQuery,
  MembersBody,
  TopicView,
  UpdateTopicBody,
} from '../schemas.js';
import { type TopicService, topicView } from '../topics.js';
import { MANAGE, TAG } from './subscribers.js';

const BASE = '/api/v1/topics';
const MembersChanged = (verb: 'added' | 'removed') =>
  Type.Object({ [verb]: Type.Integer(), subscriber_count: Type.Integer() });
const MemberPage = Type.Object({
  data: Type.Array(Type.String(), { description: 'Subscriber ids, ascending.' }),
  cursor: Type.Union([Type.String(), Type.Null()]),
  has_more: Type.Boolean(),
});

/** `/topics` and their members (`/topics/{key}/subscribers`); a topic is named by id or key. */
export function topicRoutes(topics: TopicService): AnyRoute[] {
  const caller = (ctx: Parameters<typeof callerOf>[0]) => callerOf(ctx, 'notifications:admin');
  const members = `${BASE}/:id/subscribers`;
  return objectRoutes({
    base: BASE,
    tag: TAG,
    scopes: {
      read: 'notifications:manage',
      manage: 'notifications:manage',
      admin: 'notifications:admin',
    },
    noun: 'topic',
    view: TopicView,
    toView: topicView,
    service: topics,
    create: { summary: 'Create a topic', body: CreateTopicBody },
    list: { summary: "List the tenant's topics" },
    get: { summary: 'Get a topic (by id or key) with its subscriber count' },
    update: { summary: 'Change a topic', body: UpdateTopicBody },
    remove: { summary: 'Delete a topic and its memberships' },
    item: [
      defineRoute({
        method: 'POST',
        path: members,
        summary: 'Add up to 1,000 subscribers to a topic (all must exist)',
        tag: TAG,
        auth: MANAGE,
        params: IdParams,
        body: MembersBody,
        responses: {
          200: { description: 'Added.', schema: MembersChanged('added') },
          ...errors(400, 401, 403, 404),
        },
        async handler(ctx) {
          const r = await topics.addMembers(caller(ctx), ctx.params.id, ctx.body.subscribers);
          return { status: 200, body: r };
        },
      }),
      defineRoute({
        method: 'DELETE',
        path: members,
        summary: 'Remove up to 1,000 subscribers from a topic',
        tag: TAG,
        auth: MANAGE,
        params: IdParams,
        body: MembersBody,
        responses: {
          200: { description: 'Removed.', schema: MembersChanged('removed') },
          ...errors(400, 401, 403, 404),
        },
        async handler(ctx) {
          const r = await topics.removeMembers(caller(ctx), ctx.params.id, ctx.body.subscribers);
          return { status: 200, body: r };
        },
      }),
      defineRoute({
        method: 'GET',
        path: members,
        summary: "A topic's subscribers (cursor pagination)",
        tag: TAG,
        auth: MANAGE,
        params: IdParams,
        query: CursorQuery,
        responses: {
          200: { description: 'One page.', schema: MemberPage },
          ...errors(400, 401, 403, 404),
        },
        async handler(ctx) {
          const page = await topics.listMembers(caller(ctx), ctx.params.id, ctx.query);
          return {
            status: 200,
            body: { data: page.ids, cursor: page.cursor, has_more: page.has_more },
          };
        },
      }),
    ],
  });
}
