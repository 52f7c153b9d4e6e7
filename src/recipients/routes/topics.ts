import { Type } from '@sinclair/typebox';
import { itemRoute, objectRoutes } from '../../http/admin-routes.js';
import { answers, errors } from '../../http/responses.js';
import type { AnyRoute } from '../../http/route.js';
import type { Caller } from '../../objects/tenancy.js';
import {
  CreateTopicBody,
  CursorQuery,
  MembersBody,
  TopicView,
  UpdateTopicBody,
} from '../schemas.js';
import { type TopicService, topicView } from '../topics.js';
import { OBJECT_SCOPES, TAG } from './subscribers.js';

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
  const kind = {
    base: BASE,
    tag: TAG,
    scopes: OBJECT_SCOPES,
  };
  /** Adding or removing members: the same body, answering how many changed. */
  const membersRoute = (
    method: 'POST' | 'DELETE',
    verb: 'added' | 'removed',
    summary: string,
    change: (c: Caller, topic: string, ids: string[]) => Promise<unknown>,
  ) =>
    itemRoute(kind, 'manage', {
      method,
      action: 'subscribers',
      summary,
      body: MembersBody,
      responses: {
        200: {
          description: verb === 'added' ? 'Added.' : 'Removed.',
          schema: MembersChanged(verb),
        },
        ...errors(400, 401, 403, 404),
      },
      async handler(caller, ctx) {
        return { status: 200, body: await change(caller, ctx.params.id, ctx.body.subscribers) };
      },
    });
  return objectRoutes({
    ...kind,
    noun: 'topic',
    view: TopicView,
    toView: topicView,
    service: topics,
    create: { body: CreateTopicBody },
    list: { summary: "List the tenant's topics" },
    get: { summary: 'Get a topic (by id or key) with its subscriber count' },
    update: { body: UpdateTopicBody },
    remove: { summary: 'Delete a topic and its memberships' },
    item: [
      membersRoute(
        'POST',
        'added',
        'Add up to 1,000 subscribers to a topic (all must exist)',
        (c, t, ids) => topics.addMembers(c, t, ids),
      ),
      membersRoute(
        'DELETE',
        'removed',
        'Remove up to 1,000 subscribers from a topic',
        (c, t, ids) => topics.removeMembers(c, t, ids),
      ),
      itemRoute(kind, 'manage', {
        method: 'GET',
        action: 'subscribers',
        summary: "A topic's subscribers (cursor pagination)",
        query: CursorQuery,
        responses: answers(200, 'One page.', MemberPage, [400, 401, 403, 404]),
        async handler(caller, ctx) {
          const page = await topics.listMembers(caller, ctx.params.id, ctx.query);
          return {
            status: 200,
            body: { data: page.ids, cursor: page.cursor, has_more: page.has_more },
          };
        },
      }),
    ],
  });
}
