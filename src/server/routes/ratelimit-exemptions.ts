import { Type } from '@sinclair/typebox';
import type { Clock } from '../../core/clock.js';
import type { RateLimitAdmin } from '../../ratelimit/admin.js';
import {
  AdjustmentView,
  BypassView,
  CostView,
  CreateAdjustmentBody,
  CreateBypassBody,
  CreateCostBody,
  ListQuery,
  UpdateCostBody,
} from '../../ratelimit/schemas.js';
import { views } from '../../ratelimit/views.js';
import { type AnyRoute, defineRoute } from '../route.js';
import {
  BASE,
  callerOf,
  deleteResponses,
  IdParams,
  listResponses,
  MANAGE,
  oneResponses,
  pageBody,
  READ,
  TAG,
} from './ratelimit-common.js';

const ActiveQuery = Type.Composite(
  [ListQuery, Type.Object({ active: Type.Optional(Type.Boolean()) })],
  {
    additionalProperties: false,
  },
);
const AdjustmentQuery = Type.Composite(
  [
    ListQuery,
    Type.Object({
      active: Type.Optional(Type.Boolean()),
      rule_id: Type.Optional(Type.String({ maxLength: 128 })),
    }),
  ],
  { additionalProperties: false },
);

/** `/ratelimit/bypass`, `/ratelimit/adjustments` and `/ratelimit/costs`. */
export function rateLimitExemptionRoutes(admin: RateLimitAdmin, clock: Clock): AnyRoute[] {
  const { bypasses, adjustments, costs } = admin;
  const adjustment = (a: Parameters<typeof views.adjustment>[0]) =>
    views.adjustment(a, clock.now());
  return [
    defineRoute({
      method: 'POST',
      path: `${BASE}/bypass`,
      summary: 'Exempt an API key, role, address range or user from rate limits',
      tag: TAG,
      auth: MANAGE,
      body: CreateBypassBody,
      responses: oneResponses(201, 'Created.', BypassView),
      async handler(ctx) {
        return { status: 201, body: views.bypass(await bypasses.create(callerOf(ctx), ctx.body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/bypass`,
      summary: 'List bypass rules (active=true: only unexpired)',
      tag: TAG,
      auth: READ,
      query: ActiveQuery,
      responses: listResponses(BypassView),
      async handler(ctx) {
        return {
          status: 200,
          body: pageBody(await bypasses.list(callerOf(ctx), ctx.query), views.bypass),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/bypass/:id`,
      summary: 'Get a bypass rule',
      tag: TAG,
      auth: READ,
      params: IdParams,
      responses: oneResponses(200, 'The bypass rule.', BypassView, 404),
      async handler(ctx) {
        return {
          status: 200,
          body: views.bypass(await bypasses.get(callerOf(ctx), ctx.params.id)),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/bypass/:id`,
      summary: 'Delete a bypass rule',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: deleteResponses(),
      async handler(ctx) {
        await bypasses.remove(callerOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/adjustments`,
      summary: "Replace a rule's limit for a while",
      tag: TAG,
      auth: MANAGE,
      body: CreateAdjustmentBody,
      responses: oneResponses(201, 'Created.', AdjustmentView, 404, 409),
      async handler(ctx) {
        return { status: 201, body: adjustment(await adjustments.create(callerOf(ctx), ctx.body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/adjustments`,
      summary: 'List adjustments (active=true: only those in force)',
      tag: TAG,
      auth: READ,
      query: AdjustmentQuery,
      responses: listResponses(AdjustmentView),
      async handler(ctx) {
        return {
          status: 200,
          body: pageBody(await adjustments.list(callerOf(ctx), ctx.query), adjustment),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/adjustments/:id`,
      summary: 'Get an adjustment',
      tag: TAG,
      auth: READ,
      params: IdParams,
      responses: oneResponses(200, 'The adjustment.', AdjustmentView, 404),
      async handler(ctx) {
        return {
          status: 200,
          body: adjustment(await adjustments.get(callerOf(ctx), ctx.params.id)),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/adjustments/:id/revert`,
      summary: 'End an adjustment now',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: oneResponses(200, 'Reverted.', AdjustmentView, 404),
      async handler(ctx) {
        return {
          status: 200,
          body: adjustment(await adjustments.revert(callerOf(ctx), ctx.params.id)),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/costs`,
      summary: 'Set what requests to a path (and method) cost against cost-based limits',
      tag: TAG,
      auth: MANAGE,
      body: CreateCostBody,
      responses: oneResponses(201, 'Created.', CostView, 409),
      async handler(ctx) {
        return { status: 201, body: views.cost(await costs.create(callerOf(ctx), ctx.body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/costs`,
      summary: 'List endpoint costs',
      tag: TAG,
      auth: READ,
      query: ListQuery,
      responses: listResponses(CostView),
      async handler(ctx) {
        return {
          status: 200,
          body: pageBody(await costs.list(callerOf(ctx), ctx.query), views.cost),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/costs/:id`,
      summary: 'Get an endpoint cost',
      tag: TAG,
      auth: READ,
      params: IdParams,
      responses: oneResponses(200, 'The cost.', CostView, 404),
      async handler(ctx) {
        return { status: 200, body: views.cost(await costs.get(callerOf(ctx), ctx.params.id)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${BASE}/costs/:id`,
      summary: 'Change an endpoint cost',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      body: UpdateCostBody,
      responses: oneResponses(200, 'Changed.', CostView, 404, 409),
      async handler(ctx) {
        return {
          status: 200,
          body: views.cost(await costs.update(callerOf(ctx), ctx.params.id, ctx.body)),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/costs/:id`,
      summary: 'Delete an endpoint cost',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: deleteResponses(),
      async handler(ctx) {
        await costs.remove(callerOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
