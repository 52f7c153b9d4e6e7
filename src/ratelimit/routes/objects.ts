import { Type } from '@sinclair/typebox';
import type { Clock } from '../../core/clock.js';
import {
  callerOf,
  deleteResponses,
  IdParams,
  itemRoute,
  listResponses,
  objectRoutes,
  oneResponses,
  pageBody,
} from '../../http/admin-routes.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { RateLimitAdmin } from '../admin.js';
import {
  AdjustmentView,
  AssignmentView,
  AssignPlanBody,
  BypassView,
  CostView,
  CreateAdjustmentBody,
  CreateBypassBody,
  CreateCostBody,
  CreatePlanBody,
  CreatePolicyBody,
  CreateRuleBody,
  ListQuery,
  PLAN_SUBJECTS,
  PlanView,
  PolicyView,
  RuleView,
  UpdateCostBody,
  UpdatePlanBody,
  UpdatePolicyBody,
  UpdateRuleBody,
} from '../schemas.js';
import { views } from '../views.js';

/** Reads need `ratelimit:read`, changes `ratelimit:manage` (global objects: `ratelimit:admin`). */
export const SCOPES = {
  read: 'ratelimit:read',
  manage: 'ratelimit:manage',
  admin: 'ratelimit:admin',
} as const;
export const TAG = 'ratelimit';
export const BASE = '/api/v1/ratelimit';

/** A list query with a filter of its own besides paging and scope. */
const listWith = (fields: Parameters<typeof Type.Object>[0]) =>
  Type.Composite([ListQuery, Type.Object(fields)], { additionalProperties: false });

const id = Type.String({ maxLength: 128 });
const RuleListQuery = listWith({ policy_id: Type.Optional(id) });
const ActiveQuery = listWith({ active: Type.Optional(Type.Boolean()) });
const AdjustmentQuery = listWith({
  active: Type.Optional(Type.Boolean()),
  rule_id: Type.Optional(id),
});
const AssignmentQuery = listWith({
  plan: Type.Optional(Type.String({ maxLength: 64 })),
  subject_type: Type.Optional(Type.Union(PLAN_SUBJECTS.map((s) => Type.Literal(s)))),
  subject_id: Type.Optional(Type.String({ maxLength: 256 })),
});

const kind = { tag: TAG, scopes: SCOPES } as const;

/**
 * `/ratelimit/policies` (by id or name), `/rules`, `/plans` (by id or plan id, with
 * `/plans/assignments`), `/bypass`, `/adjustments` and `/costs`.
 */
export function rateLimitObjectRoutes(admin: RateLimitAdmin, clock: Clock): AnyRoute[] {
  const { policies, rules, plans, bypasses, adjustments, costs } = admin;
  const rulesKind = { ...kind, base: `${BASE}/rules` };
  const adjustmentsKind = { ...kind, base: `${BASE}/adjustments` };
  return [
    ...objectRoutes({
      ...kind,
      base: `${BASE}/policies`,
      noun: 'policy',
      view: PolicyView,
      toView: views.policy,
      service: policies,
      create: { summary: 'Create a rate-limit policy', body: CreatePolicyBody, errors: [409] },
      list: { summary: "List policies: the tenant's and the global ones" },
      get: { summary: 'Get a policy by id or name' },
      update: { summary: 'Change a policy (the fields given)', body: UpdatePolicyBody },
      remove: { summary: 'Delete a policy no rule or plan uses', errors: [409] },
    }),
    ...objectRoutes({
      ...rulesKind,
      noun: 'rule',
      view: RuleView,
      toView: views.rule,
      service: rules,
      create: {
        summary: 'Create a rule binding a policy to matching requests',
        body: CreateRuleBody,
        errors: [404, 409],
      },
      list: { summary: "List rules: the tenant's and the global ones", query: RuleListQuery },
      get: {},
      update: { summary: 'Change a rule (the fields given)', body: UpdateRuleBody },
      item: (['enable', 'disable'] as const).map((action) =>
        itemRoute(rulesKind, 'manage', {
          method: 'POST',
          action,
          summary: action === 'enable' ? 'Enable a rule' : 'Disable a rule',
          responses: oneResponses(200, 'The rule.', RuleView, 404, 409),
          async handler(caller, ctx) {
            const rule = await rules.setEnabled(caller, ctx.params.id, action === 'enable');
            return { status: 200, body: views.rule(rule) };
          },
        }),
      ),
      remove: {},
    }),
    ...objectRoutes({
      ...kind,
      base: `${BASE}/plans`,
      noun: 'plan',
      view: PlanView,
      toView: views.plan,
      service: plans,
      create: {
        summary: 'Create a plan: a plan id mapped to a policy',
        body: CreatePlanBody,
        errors: [404, 409],
      },
      list: { summary: "List plans: the tenant's and the global ones" },
      collection: assignmentRoutes(admin),
      get: { summary: 'Get a plan by id or plan id' },
      update: { summary: "Change a plan's policy or description", body: UpdatePlanBody },
      remove: { summary: 'Delete a plan (its assignments stop applying)' },
    }),
    ...objectRoutes({
      ...kind,
      base: `${BASE}/bypass`,
      noun: 'bypass rule',
      view: BypassView,
      toView: views.bypass,
      service: bypasses,
      create: {
        summary: 'Exempt an API key, role, address range or user from rate limits',
        body: CreateBypassBody,
      },
      list: { summary: 'List bypass rules (active=true: only unexpired)', query: ActiveQuery },
      get: {},
      remove: {},
    }),
    ...objectRoutes({
      ...adjustmentsKind,
      noun: 'adjustment',
      view: AdjustmentView,
      toView: (a) => views.adjustment(a, clock.now()),
      service: adjustments,
      create: {
        summary: "Replace a rule's limit for a while",
        body: CreateAdjustmentBody,
        errors: [404, 409],
      },
      list: {
        summary: 'List adjustments (active=true: only those in force)',
        query: AdjustmentQuery,
      },
      get: {},
      item: [
        itemRoute(adjustmentsKind, 'manage', {
          method: 'POST',
          action: 'revert',
          summary: 'End an adjustment now',
          responses: oneResponses(200, 'Reverted.', AdjustmentView, 404),
          async handler(caller, ctx) {
            const reverted = await adjustments.revert(caller, ctx.params.id);
            return { status: 200, body: views.adjustment(reverted, clock.now()) };
          },
        }),
      ],
    }),
    ...objectRoutes({
      ...kind,
      base: `${BASE}/costs`,
      noun: 'cost',
      view: CostView,
      toView: views.cost,
      service: costs,
      create: {
        summary: 'Set what requests to a path (and method) cost against cost-based limits',
        body: CreateCostBody,
        errors: [409],
      },
      list: { summary: 'List endpoint costs' },
      get: { summary: 'Get an endpoint cost' },
      update: { summary: 'Change an endpoint cost', body: UpdateCostBody },
      remove: { summary: 'Delete an endpoint cost' },
    }),
  ];
}

/** `/ratelimit/plans/assignments`: who has which plan. */
function assignmentRoutes(admin: RateLimitAdmin): AnyRoute[] {
  const { plans } = admin;
  const manage = { kind: 'key', scope: SCOPES.manage } as const;
  return [
    defineRoute({
      method: 'POST',
      path: `${BASE}/plans/assignments`,
      summary: 'Give an API key, user or tenant a plan (replacing the one it had)',
      tag: TAG,
      auth: manage,
      body: AssignPlanBody,
      responses: {
        ...oneResponses(201, 'Assigned.', AssignmentView, 404),
        200: { description: 'Re-assigned.', schema: AssignmentView },
      },
      async handler(ctx) {
        const caller = callerOf(ctx, SCOPES.admin);
        const { assignment, created } = await plans.assign(caller, ctx.body);
        return { status: created ? 201 : 200, body: views.assignment(assignment) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/plans/assignments`,
      summary: 'List plan assignments',
      tag: TAG,
      auth: { kind: 'key', scope: SCOPES.read },
      query: AssignmentQuery,
      responses: listResponses(AssignmentView),
      async handler(ctx) {
        const page = await plans.listAssignments(callerOf(ctx, SCOPES.admin), ctx.query);
        return { status: 200, body: pageBody(page, views.assignment) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/plans/assignments/:id`,
      summary: 'Remove a plan assignment',
      tag: TAG,
      auth: manage,
      params: IdParams,
      responses: deleteResponses(),
      async handler(ctx) {
        await plans.unassign(callerOf(ctx, SCOPES.admin), ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
