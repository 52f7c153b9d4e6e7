import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ObjectStore } from '../store/types.js';
import { ObjectRepository, type Stored } from './repository.js';
import type {
  AdjustmentData,
  AssignmentData,
  BypassData,
  CostData,
  PlanData,
  PolicyData,
  RuleData,
} from './schemas.js';

/** The object-store kinds of rate limiting; the resolver's cache watches all of them. */
export const RATELIMIT_KINDS = [
  'ratelimit_policy',
  'ratelimit_rule',
  'ratelimit_plan',
  'ratelimit_plan_assignment',
  'ratelimit_bypass',
  'ratelimit_adjustment',
  'ratelimit_cost',
] as const;

/** One repository per kind of rate-limit object. */
export interface RateLimitObjects {
  policies: ObjectRepository<PolicyData>;
  rules: ObjectRepository<RuleData>;
  plans: ObjectRepository<PlanData>;
  assignments: ObjectRepository<AssignmentData>;
  bypasses: ObjectRepository<BypassData>;
  adjustments: ObjectRepository<AdjustmentData>;
  costs: ObjectRepository<CostData>;
}

export function rateLimitObjects(
  store: ObjectStore,
  clock: Clock,
  ids: IdGenerator,
): RateLimitObjects {
  return {
    policies: new ObjectRepository(
      store,
      'ratelimit_policy',
      'rlp',
      'POLICY_NOT_FOUND',
      clock,
      ids,
    ),
    rules: new ObjectRepository(store, 'ratelimit_rule', 'rlr', 'RULE_NOT_FOUND', clock, ids),
    plans: new ObjectRepository(store, 'ratelimit_plan', 'pln', 'PLAN_NOT_FOUND', clock, ids),
    assignments: new ObjectRepository(
      store,
      'ratelimit_plan_assignment',
      'pla',
      'PLAN_ASSIGNMENT_NOT_FOUND',
      clock,
      ids,
    ),
    bypasses: new ObjectRepository(
      store,
      'ratelimit_bypass',
      'byp',
      'BYPASS_NOT_FOUND',
      clock,
      ids,
    ),
    adjustments: new ObjectRepository(
      store,
      'ratelimit_adjustment',
      'adj',
      'ADJUSTMENT_NOT_FOUND',
      clock,
      ids,
    ),
    costs: new ObjectRepository(store, 'ratelimit_cost', 'cst', 'COST_NOT_FOUND', clock, ids),
  };
}

/** A request that is well-formed JSON but wrong: 400 naming the field. */
export function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

/**
 * A tenant object may refer to its tenant's or to a global object; a global one only to
 * global ones (it applies in every tenant).
 */
export function checkReference<D>(owner: string | null, target: Stored<D>, field: string): void {
  if (target.tenant_id !== null && target.tenant_id !== owner) {
    throw invalid(field, 'must name an object of the same tenant, or a global one');
  }
}

/**
 * Told of every change to rate-limit configuration: an event type such as
 * `ratelimit.policy_created` and the object's view (the lead wires it to webhooks).
 */
export type ChangeSink = (type: string, data: Record<string, unknown>) => void;
