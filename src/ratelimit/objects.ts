import type { Clock } from '../core/clock.js';
import { type ErrorCode, NotifydError } from '../core/errors.js';
import type { IdGenerator, IdKind } from '../core/ids.js';
import type { EventPayload } from '../events/catalogue.js';
import type { ObjectKind } from '../objects/kind.js';
import { type Caller, type Change, ObjectRepository, type Stored } from '../objects/repository.js';
import { ObjectReads } from '../objects/service.js';
import type { ObjectStore } from '../store/types.js';
import type { RateLimitChangeType, RateLimitEventType } from './events.js';
import type { PolicyData, RateLimitData } from './schemas.js';

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
export type RateLimitObjects = {
  [K in keyof RateLimitData]: ObjectRepository<RateLimitData[K]>;
};

export function rateLimitObjects(
  store: ObjectStore,
  clock: Clock,
  ids: IdGenerator,
): RateLimitObjects {
  return Object.fromEntries(
    Object.entries(RATELIMIT_OBJECT_KINDS).map(([name, kind]) => [
      name,
      new ObjectRepository(store, kind, clock, ids),
    ]),
  ) as RateLimitObjects;
}

/** A request that is well-formed JSON but wrong: 400 naming the field. */
export function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

/** A rule's or cost's path: a glob from the root (see glob.ts), or `*` for any path. */
export function checkPath(field: string, path: string): void {
  if (path !== '*' && path !== '**' && !path.startsWith('/')) {
    throw invalid(field, 'must start with / (or be * for any path)');
  }
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

/** A change event's payload without its `actor`: the object's view. */
export type ChangeView<T extends RateLimitChangeType> = Omit<EventPayload<T>, 'actor'>;

/**
 * Told of every rate-limit event, changes and enforcement alike, with its payload and the
 * tenant it happened in (a change's payload has it already).
 */
export type RateLimitEventObserver = <T extends RateLimitEventType>(
  type: T,
  data: EventPayload<T> & { tenant_id: string | null },
) => void;

/**
 * An admin service of one kind of rate-limit object: the kind's reads, the repositories of
 * every kind (objects refer to each other), the sink told of each change, and the clock.
 */
export abstract class RateLimitService<D extends object> extends ObjectReads<D> {
  constructor(
    protected readonly o: RateLimitObjects,
    protected readonly changed: ChangeSink,
    protected readonly clock: Clock,
  ) {
    super();
  }

  /** Tells the sink of a change to `o` (as `view` shows it) made by `by`, and answers `o`. */
  protected announce<T extends RateLimitChangeType, O>(
    type: T,
    view: (o: O) => ChangeView<T>,
    o: O,
    by: Caller,
  ): O {
    // The view and the actor are the payload; TypeScript cannot follow Omit over a generic T.
    this.changed(type, { ...view(o), actor: by.key_id } as unknown as EventPayload<T>);
    return o;
  }

  /**
   * Creates a plan or rule, which refers to a policy, and holds that policy (see holdPolicy);
   * when the policy was deleted meanwhile, the new object goes too.
   */
  protected async createReferring<R extends { policy_id: string }>(
    repo: ObjectRepository<R>,
    tenant: string | null,
    data: R,
    key: string | null,
  ): Promise<Stored<R>> {
    const created = await repo.create(tenant, data, key);
    await this.holdPolicy(data.policy_id, () => repo.discard(created.id));
    return created;
  }

  /**
   * Changes a plan or rule through `change` (at `version` when given); when it came to refer
   * to another policy, holds that one, and when it was deleted meanwhile the object keeps
   * the policy it had.
   */
  protected async updateReferring<R extends { policy_id: string }>(
    repo: ObjectRepository<R>,
    caller: Caller,
    id: string,
    change: Change<R>,
    version: number | undefined,
  ): Promise<Stored<R>> {
    let before: R | null = null;
    const updated = await repo.update(
      caller,
      id,
      (current) => {
        before = current.data;
        return change(current);
      },
      version,
    );
    const previous = before as R | null;
    if (previous && previous.policy_id !== updated.data.policy_id) {
      await this.holdPolicy(updated.data.policy_id, () =>
        repo.replace(updated, previous, updated.key),
      );
    }
    return updated;
  }

  /**
   * Moves the version of a policy a plan or rule has come to refer to, so that a delete of
   * the policy that read it before fails and looks again (finding the reference). When the
   * policy is gone, `undo` takes the write back: 404 POLICY_NOT_FOUND.
   */
  private async holdPolicy(policyId: string, undo: () => Promise<unknown>): Promise<void> {
    if (await this.o.policies.touch(policyId)) return;
    await undo();
    throw new NotifydError('POLICY_NOT_FOUND', undefined, { id: policyId });
  }

  /** A policy by id or by name as seen from `tenant` (its own, then a global one); null when none. */
  protected findPolicy(
    caller: Caller,
    tenant: string | null,
    idOrName: string,
  ): Promise<Stored<PolicyData> | null> {
    return idOrName.startsWith('rlp_')
      ? this.o.policies.get(caller, idOrName)
      : this.o.policies.findByKey(caller, idOrName, tenant);
  }
}
