import { type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';
import {
  AdjustmentView,
  AssignmentView,
  BypassView,
  CostView,
  PlanView,
  PolicyView,
  RuleView,
} from './schemas.js';
import { LIMIT_SCOPES } from './spec.js';

/**
 * The events of rate limiting: configuration changes (their payload is the object's API
 * view), enforcement (once per key and window, see limit-events.ts) and the limiter store's
 * health (see the guard).
 */

const Actor = Type.String({
  description:
    'The API key that made the change (`admin` for the configured admin key; `system` when notifyd did, as when an adjustment runs out).',
});

/** A change's declaration: its payload is the object's view and who made the change. */
const change = <P extends TProperties>(view: TObject<P>, description: string) => ({
  description,
  payload: Type.Object({ ...view.properties, actor: Actor }, { additionalProperties: false }),
});

/**
 * Configuration changes: the object as the API shows it, after the change (before a delete),
 * and its `actor`.
 */
export const RATELIMIT_CHANGE_EVENTS = defineEvents('ratelimit', {
  'ratelimit.policy_created': change(PolicyView, 'A policy was created.'),
  'ratelimit.policy_updated': change(PolicyView, 'A policy was changed.'),
  'ratelimit.policy_deleted': change(PolicyView, 'A policy was deleted.'),
  'ratelimit.rule_created': change(RuleView, 'A rule was created.'),
  'ratelimit.rule_updated': change(
    RuleView,
    'A rule was changed (other than by enabling or disabling it).',
  ),
  'ratelimit.rule_enabled': change(RuleView, 'A rule was enabled.'),
  'ratelimit.rule_disabled': change(RuleView, 'A rule was disabled.'),
  'ratelimit.rule_deleted': change(RuleView, 'A rule was deleted.'),
  'ratelimit.plan_created': change(PlanView, 'A plan was created.'),
  'ratelimit.plan_updated': change(PlanView, 'A plan was changed.'),
  'ratelimit.plan_deleted': change(PlanView, 'A plan was deleted.'),
  'ratelimit.plan_assigned': change(
    AssignmentView,
    'A plan was assigned to an API key, tenant or user (or its assignment changed).',
  ),
  'ratelimit.plan_unassigned': change(AssignmentView, 'A plan assignment was removed.'),
  'ratelimit.bypass_created': change(BypassView, 'A bypass was created.'),
  'ratelimit.bypass_deleted': change(BypassView, 'A bypass was deleted.'),
  'ratelimit.adjustment_created': change(
    AdjustmentView,
    'A temporary adjustment of a rule was made.',
  ),
  'ratelimit.adjustment_reverted': change(
    AdjustmentView,
    'An adjustment was reverted before it ran out.',
  ),
  'ratelimit.adjustment_expired': change(
    AdjustmentView,
    'An adjustment ran out (announced once, by one node, within 5 seconds).',
  ),
  'ratelimit.cost_created': change(CostView, 'An endpoint cost was created.'),
  'ratelimit.cost_updated': change(CostView, 'An endpoint cost was changed.'),
  'ratelimit.cost_deleted': change(CostView, 'An endpoint cost was deleted.'),
});

const Stamp = Type.String({ format: 'date-time' });
const OrNull = <T extends TSchema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

/** What every limit event says about the key and the limit it met. */
const limitFields = {
  key: Type.String({ description: 'The counted key: tenant, policy and the limit dimensions.' }),
  scope: Type.Union(
    LIMIT_SCOPES.map((s) => Type.Literal(s)),
    { description: 'What the limit is counted per.' },
  ),
  policy: Type.String({ description: "The policy's name." }),
  policy_id: OrNull(Type.String(), 'Null for the built-in default limit.'),
  rule_id: OrNull(
    Type.String(),
    "The rule that chose the policy; null for a plan's or the default.",
  ),
  limit: Type.Number({ description: 'The limit in force (the penalty limit in the penalty box).' }),
  remaining: Type.Number({ description: 'Units still allowed now.' }),
  reset_at: Type.String({
    format: 'date-time',
    description: 'When the whole limit is back (for a sliding window, the end of the next window).',
  }),
};

/** A limit event's payload: the common fields and its own. */
const limitEvent = <T extends Record<string, TSchema>>(own: T) =>
  Type.Object({ ...limitFields, ...own }, { additionalProperties: false });

/** Enforcement: sent once per key and window by the node that decided, not once per request. */
export const RATELIMIT_LIMIT_EVENTS = defineEvents('ratelimit', {
  'ratelimit.limit_approached': {
    description: 'A key crossed ratelimit.approach_percent of its limit.',
    payload: limitEvent({
      share: Type.Number({ description: 'The share crossed: ratelimit.approach_percent / 100.' }),
    }),
  },
  'ratelimit.limit_exceeded': {
    description: 'A key was refused for the first time in its window.',
    payload: limitEvent({
      retry_after_seconds: Type.Integer({ description: 'When a request would be allowed again.' }),
    }),
  },
  'ratelimit.burst_used': {
    description: "A request drew on its limit's burst allowance.",
    payload: limitEvent({
      burst_remaining: Type.Number({ description: 'Burst units left.' }),
      burst_total: Type.Number({ description: 'The burst allowance.' }),
    }),
  },
  'ratelimit.penalty_box_entered': {
    description: 'A key went over its limit and into the penalty box.',
    payload: limitEvent({ until: OrNull(Stamp, 'When the penalty ends.') }),
  },
  'ratelimit.penalty_box_exited': {
    description: "A key's penalty ended (seen on its next request).",
    payload: limitEvent({}),
  },
});

const StoreHealth = Type.Object(
  {
    backend: Type.String({
      description: "The limiter store's backend (store.ratelimit, else store.backend).",
    }),
  },
  { additionalProperties: false },
);

/** The limiter store's health as this node sees it; global (no tenant). */
export const RATELIMIT_STORE_EVENTS = defineEvents('ratelimit', {
  'ratelimit.store_disconnected': {
    description: 'The limiter store stopped deciding (error or ratelimit.store_timeout_ms).',
    payload: StoreHealth,
  },
  'ratelimit.store_connected': {
    description: 'The limiter store decides again after a failure.',
    payload: StoreHealth,
  },
});

/** Every rate-limit event. */
export const RATELIMIT_EVENTS = {
  ...RATELIMIT_CHANGE_EVENTS,
  ...RATELIMIT_LIMIT_EVENTS,
  ...RATELIMIT_STORE_EVENTS,
};

/** A configuration change's event name. */
export type RateLimitChangeType = keyof typeof RATELIMIT_CHANGE_EVENTS;
/** An enforcement event's name. */
export type LimitEventType = keyof typeof RATELIMIT_LIMIT_EVENTS;
/** A store health event's name. */
export type StoreHealthEventType = keyof typeof RATELIMIT_STORE_EVENTS;
/** Any rate-limit event's name. */
export type RateLimitEventType = keyof typeof RATELIMIT_EVENTS;
