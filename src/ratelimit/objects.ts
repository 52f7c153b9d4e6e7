import type { Clock } from '../core/clock.js';
import { type ErrorCode, NotifydError } from '../core/errors.js';
import type { IdGenerator, IdKind } from '../core/ids.js';
import type { EventPayload } from '../events/catalogue.js';
import type { ObjectKind } from '../objects/kind.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import type { ObjectStore } from '../store/types.js';
import type { RateLimitChangeType, RateLimitEventType } from './events.js';
import type {
  AdjustmentData,
  AssignmentData,
  BypassData,
  CostData,
  PlanData,
  PolicyData,
  RuleData,
} from './schemas.js';

/** Rate-limit objects apply in every tenant when global; only a global admin writes those. */
const GLOBAL: ObjectKind['global'] = {
  visibleToTenants: true,
  writeScope: 'ratelimit:admin',
  refusal: 'Global rate-limit objects need an API key with ratelimit:admin bound to no tenant.',
};

const kind = <K extends string>(kind: K, idKind: IdKind, notFound: ErrorCode): ObjectKind<K> => ({
  kind,
  idKind,
  notFound,
  global: GLOBAL,
});

/** Every kind of rate-limit object, by its repository's name. */
export const RATELIMIT_OBJECT_KINDS = {
  policies: kind('ratelimit_policy', 'rlp', 'POLICY_NOT_FOUND'),
  rules: kind('ratelimit_rule', 'rlr', 'RULE_NOT_FOUND'),
  plans: kind('ratelimit_plan', 'pln', 'PLAN_NOT_FOUND'),
  assignments: kind('ratelimit_plan_assignment', 'pla', 'PLAN_ASSIGNMENT_NOT_FOUND'),
  bypasses: kind('ratelimit_bypass', 'byp', 'BYPASS_NOT_FOUND'),
  adjustments: kind('ratelimit_adjustment', 'adj', 'ADJUSTMENT_NOT_FOUND'),
  costs: kind('ratelimit_cost', 'cst', 'COST_NOT_FOUND'),
} as const;

/** The object-store kinds of rate limiting; the resolver's cache watches all of them. */
export const RATELIMIT_KINDS = Object.values(RATELIMIT_OBJECT_KINDS).map((k) => k.kind);

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
  const k = RATELIMIT_OBJECT_KINDS;
  return {
    policies: new ObjectRepository(store, k.policies, clock, ids),
    rules: new ObjectRepository(store, k.rules, clock, ids),
    plans: new ObjectRepository(store, k.plans, clock, ids),
    assignments: new ObjectRepository(store, k.assignments, clock, ids),
    bypasses: new ObjectRepository(store, k.bypasses, clock, ids),
    adjustments: new ObjectRepository(store, k.adjustments, clock, ids),
    costs: new ObjectRepository(store, k.costs, clock, ids),
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
 * `ratelimit.policy_created` and the object's view, as catalogued in events.ts. The event's
 * tenant is the object's.
 */
export type ChangeSink = <T extends RateLimitChangeType>(type: T, data: EventPayload<T>) => void;

/**
 * Told of every rate-limit event, changes and enforcement alike, with its payload and the
 * tenant it happened in (a change's payload has it already).
 */
export type RateLimitEventObserver = <T extends RateLimitEventType>(
  type: T,
  data: EventPayload<T> & { tenant_id: string | null },
) => void;
