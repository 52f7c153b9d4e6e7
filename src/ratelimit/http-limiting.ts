import type { Principal } from '../auth/principal.js';
import { NotifydError } from '../core/errors.js';
import { TENANT_PATTERN } from '../core/tenancy.js';
import type { RequestInfo } from '../http/request.js';
import { type RateLimitEnforcer, refusal, type Verdict } from './enforcer.js';
import type { RequestContext } from './resolver.js';

const TENANT = new RegExp(TENANT_PATTERN);

/**
 * The answer's rate-limit fields, from the limit that decided: the `X-RateLimit-*` fields
 * most clients know, the IETF `RateLimit` / `RateLimit-Policy` fields, and `Retry-After`
 * when refused. No limit applied (or a bypass): no fields.
 */
export function limitHeaders(verdict: Verdict, now: number): Record<string, string> {
  const o = verdict.tightest;
  if (!o) return {};
  const { decision, limit } = o;
  const resetIn = Math.max(0, Math.ceil((decision.reset_at - now) / 1000));
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(Math.ceil(decision.reset_at / 1000)),
    'x-ratelimit-policy': limit.policy.name,
    ratelimit: `limit=${decision.limit}, remaining=${decision.remaining}, reset=${resetIn}`,
    'ratelimit-policy': verdict.outcomes
      .map((x) => `${x.decision.limit};w=${x.limit.spec.window_seconds}`)
      .join(', '),
  };
  if (!decision.allowed) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retry_after_ms / 1000)));
  }
  return headers;
}

/** What the resolver knows of an HTTP request and its caller. */
export function requestContext(
  info: RequestInfo,
  principal: Principal | null,
  ip: string,
): RequestContext {
  const tenantHeader = info.headers['x-tenant-id'];
  return {
    tenant_id:
      principal?.tenant_id ??
      (tenantHeader && TENANT.test(tenantHeader) ? tenantHeader : 'default'),
    method: info.method,
    path: info.path,
    ...(principal?.kind === 'service' ? { api_key_id: principal.key_id } : {}),
    ...(principal?.kind === 'user' ? { user_id: principal.user_id, roles: principal.roles } : {}),
    ip,
    headers: info.headers,
    user_agent: info.headers['user-agent'] ?? '',
  };
}

/** Rate limiting of notifyd's own HTTP routes, as the router calls it. */
export class HttpRateLimiting {
  constructor(
    private readonly enforcer: RateLimitEnforcer,
    private readonly now: () => number,
    /** `ratelimit.on_store_error`: whether a request the store cannot decide goes through. */
    private readonly failOpen: boolean,
  ) {}

  /**
   * Decides and counts one request: the fields to answer with, and the 429 when refused.
   * `essential` routes (health, readiness, metrics) go through when the store cannot decide
   * even when failing closed: a probe must not fail because the limiter's store did.
   */
  async check(
    info: RequestInfo,
    principal: Principal | null,
    ip: string,
    essential = false,
  ): Promise<{ headers: Record<string, string>; error: NotifydError | null }> {
    let verdict: Verdict;
    try {
      verdict = await this.enforcer.check(requestContext(info, principal, ip));
    } catch (err) {
      const undecided = err instanceof NotifydError && err.code === 'STORE_UNAVAILABLE';
      if (undecided && (this.failOpen || essential)) return { headers: {}, error: null };
      throw err;
    }
    return {
      headers: limitHeaders(verdict, this.now()),
      error: verdict.allowed ? null : refusal(verdict),
    };
  }
}
