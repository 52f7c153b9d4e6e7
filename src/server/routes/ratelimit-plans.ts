import { Type } from '@sinclair/typebox';
import type { RateLimitAdmin } from '../../ratelimit/admin.js';
import {
  AssignmentView,
  AssignPlanBody,
  CreatePlanBody,
  ListQuery,
  PLAN_SUBJECTS,
  PlanView,
  UpdatePlanBody,
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

const AssignmentQuery = Type.Composite(
  [
    ListQuery,
    Type.Object({
      plan: Type.Optional(Type.String({ maxLength: 64 })),
      subject_type: Type.Optional(Type.Union(PLAN_SUBJECTS.map((s) => Type.Literal(s)))),
      subject_id: Type.Optional(Type.String({ maxLength: 256 })),
    }),
  ],
  { additionalProperties: false },
);

/** `/ratelimit/plans` (addressed by id or plan id) and `/ratelimit/plans/assignments`. */
export function rateLimitPlanRoutes(admin: RateLimitAdmin): AnyRoute[] {
  const { plans } = admin;
  return [
    defineRoute({
      method: 'POST',
      path: `${BASE}/plans`,
      summary: 'Create a plan: a plan id mapped to a policy',
      tag: TAG,
      auth: MANAGE,
      body: CreatePlanBody,
      responses: oneResponses(201, 'Created.', PlanView, 404, 409),
      async handler(ctx) {
        return { status: 201, body: views.plan(await plans.create(callerOf(ctx), ctx.body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/plans`,
      summary: "List plans: the tenant's and the global ones",
      tag: TAG,
      auth: READ,
      query: ListQuery,
      responses: listResponses(PlanView),
      async handler(ctx) {
        return {
          status: 200,
          body: pageBody(await plans.list(callerOf(ctx), ctx.query), views.plan),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/plans/assignments`,
      summary: 'Give an API key, user or tenant a plan (replacing the one it had)',
      tag: TAG,
      auth: MANAGE,
      body: AssignPlanBody,
      responses: {
        ...oneResponses(201, 'Assigned.', AssignmentView, 404),
        200: { description: 'Re-assigned.', schema: AssignmentView },
      },
      async handler(ctx) {
        const { assignment, created } = await plans.assign(callerOf(ctx), ctx.body);
        return { status: created ? 201 : 200, body: views.assignment(assignment) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/plans/assignments`,
      summary: 'List plan assignments',
      tag: TAG,
      auth: READ,
      query: AssignmentQuery,
      responses: listResponses(AssignmentView),
      async handler(ctx) {
        const page = await plans.listAssignments(callerOf(ctx), ctx.query);
        return { status: 200, body: pageBody(page, views.assignment) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/plans/assignments/:id`,
      summary: 'Remove a plan assignment',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: deleteResponses(),
      async handler(ctx) {
        await plans.unassign(callerOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/plans/:id`,
      summary: 'Get a plan by id or plan id',
      tag: TAG,
      auth: READ,
      params: IdParams,
      responses: oneResponses(200, 'The plan.', PlanView, 404),
      async handler(ctx) {
        return { status: 200, body: views.plan(await plans.get(callerOf(ctx), ctx.params.id)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${BASE}/plans/:id`,
      summary: "Change a plan's policy or description",
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      body: UpdatePlanBody,
      responses: oneResponses(200, 'Changed.', PlanView, 404, 409),
      async handler(ctx) {
        return {
          status: 200,
          body: views.plan(await plans.update(callerOf(ctx), ctx.params.id, ctx.body)),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/plans/:id`,
      summary: 'Delete a plan (its assignments stop applying)',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: deleteResponses(),
      async handler(ctx) {
        await plans.remove(callerOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
