import { Type } from '@sinclair/typebox';
import type { RateLimitAdmin } from '../../ratelimit/admin.js';
import {
  CreatePolicyBody,
  CreateRuleBody,
  ListQuery,
  PolicyView,
  RuleView,
  UpdatePolicyBody,
  UpdateRuleBody,
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

const RuleListQuery = Type.Composite(
  [ListQuery, Type.Object({ policy_id: Type.Optional(Type.String({ maxLength: 128 })) })],
  {
    additionalProperties: false,
  },
);

/** `/ratelimit/policies` and `/ratelimit/rules`. Policies are addressed by id or name. */
export function rateLimitPolicyRoutes(admin: RateLimitAdmin): AnyRoute[] {
  const { policies, rules } = admin;
  return [
    defineRoute({
      method: 'POST',
      path: `${BASE}/policies`,
      summary: 'Create a rate-limit policy',
      tag: TAG,
      auth: MANAGE,
      body: CreatePolicyBody,
      responses: oneResponses(201, 'Created.', PolicyView, 409),
      async handler(ctx) {
        return { status: 201, body: views.policy(await policies.create(callerOf(ctx), ctx.body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/policies`,
      summary: "List policies: the tenant's and the global ones",
      tag: TAG,
      auth: READ,
      query: ListQuery,
      responses: listResponses(PolicyView),
      async handler(ctx) {
        return {
          status: 200,
          body: pageBody(await policies.list(callerOf(ctx), ctx.query), views.policy),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/policies/:id`,
      summary: 'Get a policy by id or name',
      tag: TAG,
      auth: READ,
      params: IdParams,
      responses: oneResponses(200, 'The policy.', PolicyView, 404),
      async handler(ctx) {
        return {
          status: 200,
          body: views.policy(await policies.get(callerOf(ctx), ctx.params.id)),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${BASE}/policies/:id`,
      summary: 'Change a policy (the fields given)',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      body: UpdatePolicyBody,
      responses: oneResponses(200, 'Changed.', PolicyView, 404, 409),
      async handler(ctx) {
        const updated = await policies.update(callerOf(ctx), ctx.params.id, ctx.body);
        return { status: 200, body: views.policy(updated) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/policies/:id`,
      summary: 'Delete a policy no rule or plan uses',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: deleteResponses(409),
      async handler(ctx) {
        await policies.remove(callerOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/rules`,
      summary: 'Create a rule binding a policy to matching requests',
      tag: TAG,
      auth: MANAGE,
      body: CreateRuleBody,
      responses: oneResponses(201, 'Created.', RuleView, 404, 409),
      async handler(ctx) {
        return { status: 201, body: views.rule(await rules.create(callerOf(ctx), ctx.body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/rules`,
      summary: "List rules: the tenant's and the global ones",
      tag: TAG,
      auth: READ,
      query: RuleListQuery,
      responses: listResponses(RuleView),
      async handler(ctx) {
        return {
          status: 200,
          body: pageBody(await rules.list(callerOf(ctx), ctx.query), views.rule),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/rules/:id`,
      summary: 'Get a rule',
      tag: TAG,
      auth: READ,
      params: IdParams,
      responses: oneResponses(200, 'The rule.', RuleView, 404),
      async handler(ctx) {
        return { status: 200, body: views.rule(await rules.get(callerOf(ctx), ctx.params.id)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${BASE}/rules/:id`,
      summary: 'Change a rule (the fields given)',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      body: UpdateRuleBody,
      responses: oneResponses(200, 'Changed.', RuleView, 404, 409),
      async handler(ctx) {
        return {
          status: 200,
          body: views.rule(await rules.update(callerOf(ctx), ctx.params.id, ctx.body)),
        };
      },
    }),
    ...(['enable', 'disable'] as const).map((action) =>
      defineRoute({
        method: 'POST',
        path: `${BASE}/rules/:id/${action}`,
        summary: action === 'enable' ? 'Enable a rule' : 'Disable a rule',
        tag: TAG,
        auth: MANAGE,
        params: IdParams,
        responses: oneResponses(200, 'The rule.', RuleView, 404, 409),
        async handler(ctx) {
          const rule = await rules.setEnabled(callerOf(ctx), ctx.params.id, action === 'enable');
          return { status: 200, body: views.rule(rule) };
        },
      }),
    ),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/rules/:id`,
      summary: 'Delete a rule',
      tag: TAG,
      auth: MANAGE,
      params: IdParams,
      responses: deleteResponses(),
      async handler(ctx) {
        await rules.remove(callerOf(ctx), ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
