import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import { normalQuota } from './algorithms/quota.js';
import { EPSILON } from './algorithms/state.js';
import type { RateLimitConfigCache } from './config-cache.js';
import { type LimitEventSink, LimitEvents } from './limit-events.js';
import type { RequestContext, ResolvedLimit } from './resolver.js';
import type { RateLimitStore } from './spec.js';
import type { RateLimitStats } from './stats.js';
import type { LimitOutcome, Verdict } from './verdict.js';

export type { LimitOutcome, Verdict } from './verdict.js';

/** How to decide: `dryRun` counts nothing; `wait: false` never waits out a throttle. */
export interface DecideOptions {
  dryRun?: boolean;
  cost?: number;
  wait?: boolean;
}

export interface EnforcerDeps {
  config: RateLimitConfigCache;
  /** The rate-limit store, guarded (fail open or closed). */
  store: RateLimitStore;
  clock: Clock;
  defaultPerKeyPerMinute: number;
  events: LimitEventSink;
  /** `ratelimit.approach_share`: a limit this used up is `limit_approached`. */
  approachShare: number;
  stats: RateLimitStats;
}

/**
 * The rate-limit engine in front of notifyd's own routes and behind `POST /ratelimit/check`:
 * resolves a request to its limits, decides each against the store, delays a throttled
 * request (without blocking the event loop) when the wait is within its policy's maximum,
 * and reports events and statistics. Limits are decided one after another; a request one
 * of them refuses may already have been counted by those before it, which errs on the side
 * of the limit.
 */
export class RateLimitEnforcer {
  private readonly events: LimitEvents;

  constructor(private readonly deps: EnforcerDeps) {
    this.events = new LimitEvents(deps.events, deps.approachShare);
  }

  /** Decides a request and counts it (unless `dryRun`). */
  async check(ctx: RequestContext, options: DecideOptions = {}): Promise<Verdict> {
    const { config, defaultPerKeyPerMinute } = this.deps;
    const resolution = await config.resolve(ctx, { defaultPerKeyPerMinute });
    if ('bypass' in resolution) {
      const verdict = { bypass: true, outcomes: [], tightest: null, allowed: true };
      if (!options.dryRun) this.deps.stats.request(ctx.tenant_id, verdict);
      return verdict;
    }
    return this.decide(ctx.tenant_id, resolution.limits, options);
  }

  /**
   * Decides given limits (the check API's explicit mode, and `check`). An explicit `cost`
   * (the check API's) that one of them could never allow, however long the caller waited, is
   * refused before anything is counted: 422 COST_EXCEEDS_LIMIT naming that limit.
   */
  async decide(
    tenantId: string,
    limits: ResolvedLimit[],
    options: DecideOptions = {},
  ): Promise<Verdict> {
    if (options.cost !== undefined) refuseImpossibleCost(limits, options.cost);
    const outcomes: LimitOutcome[] = [];
    for (const limit of limits) {
      const cost = options.cost ?? limit.cost;
      const wait = !options.dryRun && options.wait !== false;
      const decision = await this.decideOne(limit, cost, options.dryRun ?? false, wait);
      outcomes.push({ limit, decision });
      if (!options.dryRun) this.events.observe(tenantId, limit, decision, cost);
    }
    const refused = outcomes.filter((o) => !o.decision.allowed);
    const tightest =
      refused.length > 0
        ? refused.reduce((a, b) => (b.decision.retry_after_ms > a.decision.retry_after_ms ? b : a))
        : outcomes.reduce<LimitOutcome | null>(
            (a, b) => (a === null || b.decision.remaining < a.decision.remaining ? b : a),
            null,
          );
    const verdict = { bypass: false, outcomes, tightest, allowed: refused.length === 0 };
    if (!options.dryRun) this.deps.stats.request(tenantId, verdict);
    return verdict;
  }

  private async decideOne(limit: ResolvedLimit, cost: number, dryRun: boolean, wait: boolean) {
    const { store, clock } = this.deps;
    const decision = await store.consume(limit.key, limit.spec, cost, clock.now(), { dryRun });
    const { throttle } = limit;
    if (
      decision.allowed ||
      !wait ||
      throttle.mode !== 'throttle' ||
      decision.retry_after_ms > (throttle.max_delay_ms ?? 0)
    ) {
      return decision;
    }
    // Throttle: wait out the refusal (a timer, not a blocked loop), then ask once more.
    await sleep(decision.retry_after_ms);
    return store.consume(limit.key, limit.spec, cost, clock.now());
  }
}

/**
 * Throws COST_EXCEEDS_LIMIT when `cost` is more than a limit ever admits in one request: its
 * limit (a bucket's size), or its burst allowance when that is larger.
 */
function refuseImpossibleCost(limits: readonly ResolvedLimit[], cost: number): void {
  for (const limit of limits) {
    const { spec } = limit;
    const most = Math.max(normalQuota(spec).limit, spec.burst?.max_burst ?? 0);
    if (cost <= most + EPSILON) continue;
    const per =
      spec.algorithm === 'token_bucket' && spec.token_bucket
        ? `a bucket of ${most}`
        : `${spec.max_requests} per ${spec.window_seconds} s${spec.burst ? `, bursts of ${spec.burst.max_burst}` : ''}`;
    throw new NotifydError(
      'COST_EXCEEDS_LIMIT',
      `A cost of ${cost} exceeds the limit of policy "${limit.policy.name}" (${per}): a request costing more than ${most} is never allowed.`,
      {
        cost,
        limit: most,
        policy: limit.policy.name,
        policy_id: limit.policy.id,
        scope: limit.scope,
        algorithm: spec.algorithm,
        window_seconds: spec.window_seconds,
      },
    );
  }
}

/** The error a refused request answers with (429, Retry-After in the details). */
export function refusal(verdict: Verdict): NotifydError {
  const o = verdict.tightest!;
  const retry = Math.max(1, Math.ceil(o.decision.retry_after_ms / 1000));
  return new NotifydError('RATE_LIMIT_EXCEEDED', undefined, {
    retry_after_seconds: retry,
    policy: o.limit.policy.name,
    scope: o.limit.scope,
  });
}
