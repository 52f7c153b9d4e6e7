import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { RateLimitConfigCache } from './config-cache.js';
import type { LimitOutcome, RateLimitEnforcer, Verdict } from './enforcer.js';
import { policyLimit, type RequestContext, type ResolvedLimit } from './resolver.js';
import type { LimitScope } from './spec.js';

/** What a caller of the check API says about the request it wants decided. */
export interface CheckInput {
  tenant_id: string;
  scope?: LimitScope;
  identifier?: string;
  /** A policy (id or name) to check against directly, instead of the rules. */
  policy?: string;
  cost?: number;
  dry_run?: boolean;
  request?: {
    method?: string;
    path?: string;
    ip?: string;
    user_id?: string;
    api_key_id?: string;
    roles?: string[];
    plan?: string;
    headers?: Record<string, string>;
    user_agent?: string;
  };
}

/** One limit's standing, as the check and status APIs answer it. */
export interface LimitStatusView {
  limit: number;
  remaining: number;
  used: number;
  reset_at: string;
  retry_after_seconds: number;
  is_limited: boolean;
  policy: string;
  algorithm: string;
  scope: string;
  burst: { remaining: number; total: number } | null;
}

/** The answer: the deciding limit's standing, whether exempt, and every limit that applied. */
export interface RateLimitStatus extends LimitStatusView {
  allowed: boolean;
  bypass: boolean;
  limits: LimitStatusView[];
}

/**
 * `POST /ratelimit/check` and `GET /ratelimit/status`: the engine that guards notifyd, offered
 * to other services. A request is described by its subject (`scope` + `identifier`) and
 * optionally more of it (`request`); it is decided by the rules and plans like notifyd's own
 * requests, or against one named policy.
 */
export class RateLimitCheck {
  constructor(
    private readonly enforcer: RateLimitEnforcer,
    private readonly config: RateLimitConfigCache,
    private readonly clock: Clock,
  ) {}

  /** Decides (and, unless a dry run, counts) the request. */
  async check(input: CheckInput): Promise<{ status: RateLimitStatus; verdict: Verdict }> {
    const verdict = await this.decide(input, {
      dryRun: input.dry_run ?? false,
      // Another service's gateway asked: it gets an answer now, never a wait.
      wait: false,
      ...(input.cost !== undefined ? { cost: input.cost } : {}),
    });
    return { status: this.view(verdict, false), verdict };
  }

  /** The subject's standing now; counts nothing. */
  async status(input: CheckInput): Promise<RateLimitStatus> {
    return this.view(await this.decide(input, { dryRun: true, cost: 0 }), true);
  }

  private async decide(
    input: CheckInput,
    options: { dryRun: boolean; cost?: number; wait?: boolean },
  ) {
    if (input.policy !== undefined) {
      return this.enforcer.decide(input.tenant_id, await this.policyLimits(input), options);
    }
    return this.enforcer.check(this.context(input), options);
  }

  /** The named policy's limits counted per the subject alone. */
  private async policyLimits(input: CheckInput): Promise<ResolvedLimit[]> {
    const { scope, identifier } = input;
    if (scope === undefined || identifier === undefined) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        'Checking against a policy needs scope and identifier.',
      );
    }
    const snapshot = await this.config.snapshot();
    const policy = snapshot
      .policiesOf(input.tenant_id)
      .find((p) => p.id === input.policy || p.data.name === input.policy);
    if (!policy) throw new NotifydError('POLICY_NOT_FOUND', undefined, { policy: input.policy });
    const limits: ResolvedLimit[] = [];
    policy.data.limits.forEach((limit, i) => {
      const dims = limit.key ?? [limit.scope];
      if (dims.length !== 1 || dims[0] !== scope) return;
      limits.push(policyLimit(input.tenant_id, policy, i, [[scope, identifier]], null, 1));
    });
    if (limits.length === 0) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        `The policy has no limit counted per ${scope} alone.`,
        {
          policy: policy.data.name,
          scope,
        },
      );
    }
    return limits;
  }

  /** The request as the resolver sees it, with the subject put where its scope says. */
  private context(input: CheckInput): RequestContext {
    const r = input.request ?? {};
    const ctx: RequestContext = {
      tenant_id: input.tenant_id,
      method: (r.method ?? 'GET').toUpperCase(),
      path: r.path ?? '/',
      ip: r.ip ?? '',
      ...(r.user_id !== undefined ? { user_id: r.user_id } : {}),
      ...(r.api_key_id !== undefined ? { api_key_id: r.api_key_id } : {}),
      ...(r.roles !== undefined ? { roles: r.roles } : {}),
      ...(r.plan !== undefined ? { plan: r.plan } : {}),
      headers: Object.fromEntries(
        Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      user_agent: r.user_agent ?? '',
    };
    const { scope, identifier } = input;
    if (scope !== undefined && identifier !== undefined) {
      if (scope === 'api_key') ctx.api_key_id = identifier;
      else if (scope === 'user') ctx.user_id = identifier;
      else if (scope === 'ip') ctx.ip = identifier;
      else if (scope === 'endpoint') {
        const [method, ...path] = identifier.split(' ');
        if (path.length > 0) {
          ctx.method = method!.toUpperCase();
          ctx.path = path.join(' ');
        } else ctx.path = identifier;
      }
    }
    return ctx;
  }

  /** `probe`: a status read, where "limited" means the next request would be refused. */
  private view(verdict: Verdict, probe: boolean): RateLimitStatus {
    const limits = verdict.outcomes.map((o) => this.limitView(o, probe));
    const tightest = verdict.tightest ? this.limitView(verdict.tightest, probe) : null;
    return {
      ...(tightest ?? {
        limit: 0,
        remaining: 0,
        used: 0,
        reset_at: new Date(this.clock.now()).toISOString(),
        retry_after_seconds: 0,
        is_limited: false,
        policy: verdict.bypass ? 'bypass' : 'none',
        algorithm: 'none',
        scope: verdict.bypass ? 'bypass' : 'none',
        burst: null,
      }),
      allowed: verdict.allowed,
      bypass: verdict.bypass,
      limits,
    };
  }

  private limitView({ limit, decision }: LimitOutcome, probe: boolean): LimitStatusView {
    return {
      limit: decision.limit,
      remaining: decision.remaining,
      used: decision.used,
      reset_at: new Date(decision.reset_at).toISOString(),
      retry_after_seconds: Math.ceil(decision.retry_after_ms / 1000),
      is_limited: !decision.allowed || (probe && decision.remaining < 1),
      policy: limit.policy.name,
      algorithm: limit.spec.algorithm,
      scope: limit.scope,
      burst: decision.burst
        ? { remaining: decision.burst.remaining, total: decision.burst.total }
        : null,
    };
  }
}
