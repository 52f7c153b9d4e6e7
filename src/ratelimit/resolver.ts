import type { Stored } from '../objects/repository.js';
import { toLimitSpec } from './limit-spec.js';
import type { PolicyData, TargetType } from './schemas.js';
import type { CompiledRule, RateLimitSnapshot, TenantConfig } from './snapshot.js';
import type { LimitScope, LimitSpec } from './spec.js';
import { adjustmentActive } from './views.js';

export { toLimitSpec } from './limit-spec.js';

/** What the resolver knows of one request. Header names are lower case. */
export interface RequestContext {
  tenant_id: string;
  method: string;
  path: string;
  api_key_id?: string;
  user_id?: string;
  ip: string;
  roles?: readonly string[];
  /** The caller's plan when it is known up front; otherwise found from assignments. */
  plan?: string;
  headers: Readonly<Record<string, string | undefined>>;
  user_agent: string;
}

/** One limit that applies to the request, with the key it counts under. */
export interface ResolvedLimit {
  spec: LimitSpec;
  /** Namespaced by tenant and policy, then the limit's dimensions. */
  key: string;
  scope: LimitScope;
  /** Units this request counts: the endpoint cost for a cost-based limit, else 1. */
  cost: number;
  /** The policy (null id: the built-in default). */
  policy: { id: string | null; name: string; priority: number };
  /** The rule that chose the policy; null for a plan's policy or the default. */
  rule: { id: string } | null;
  /** What to do past the limit: reject, delay up to max_delay_ms, or (penalty_box) reject. */
  throttle: { mode: 'reject' | 'throttle' | 'penalty_box'; max_delay_ms?: number };
  /** Set when an active adjustment replaced this limit. */
  adjustment?: { expires_at: number };
}

/** The answer: the request is exempt, or these limits apply (possibly none). */
export type Resolution =
  | { bypass: { id: string; type: string; reason: string } }
  | { cost: number; limits: ResolvedLimit[] };

export interface ResolverOptions {
  /** The built-in limit when no rule or plan applies: requests per minute per API key; 0 = none. */
  defaultPerKeyPerMinute: number;
}

/**
 * Which limits apply to a request, from a loaded snapshot and the time; pure and
 * synchronous, so that it costs little on every request.
 *
 * - A matching, unexpired bypass exempts the request.
 * - Rules match by target, method, path and conditions. Within one target type the
 *   highest priority wins (several rules at that priority all apply); rules of different
 *   target types add up, so a per-IP rule and a per-user rule both hold.
 * - The subject's plan (the context's, else its API key's, user's or tenant's assignment)
 *   adds its policy's limits.
 * - Nothing matched: the default, per API key.
 */
export function resolveLimits(
  snapshot: RateLimitSnapshot,
  ctx: RequestContext,
  now: number,
  options: ResolverOptions,
): Resolution {
  const config = snapshot.tenant(ctx.tenant_id);
  const bypass = findBypass(config, ctx, now);
  if (bypass) return { bypass };
  const plan = ctx.plan ?? planOf(config, ctx);
  const cost = costOf(config, ctx);
  const limits: ResolvedLimit[] = [];
  const best = new Map<TargetType, number>();
  let matched = false;
  for (const r of config.rules) {
    const type = r.rule.data.target.type;
    const top = best.get(type);
    if (top !== undefined && r.rule.data.priority < top) continue;
    if (!ruleMatches(r, ctx, plan)) continue;
    best.set(type, r.rule.data.priority);
    matched = true;
    const adjustment = r.adjustments.find((a) => adjustmentActive(a, now));
    addPolicy(limits, ctx, r.policy, { id: r.rule.id }, cost, adjustment);
  }
  const planPolicy = plan === undefined ? undefined : config.plans.get(plan);
  if (planPolicy?.data.is_active) {
    matched = true;
    addPolicy(limits, ctx, planPolicy, null, cost);
  }
  if (!matched && options.defaultPerKeyPerMinute > 0 && ctx.api_key_id !== undefined) {
    limits.push({
      spec: {
        algorithm: 'sliding_window',
        max_requests: options.defaultPerKeyPerMinute,
        window_seconds: 60,
      },
      key: limitKey(ctx.tenant_id, 'default', 0, [['api_key', ctx.api_key_id]]),
      scope: 'api_key',
      cost: 1,
      policy: { id: null, name: 'default', priority: 0 },
      rule: null,
      throttle: { mode: 'reject' },
    });
  }
  limits.sort((a, b) => b.policy.priority - a.policy.priority);
  return { cost, limits };
}

function addPolicy(
  out: ResolvedLimit[],
  ctx: RequestContext,
  policy: Stored<PolicyData>,
  rule: { id: string } | null,
  cost: number,
  adjustment?: { max_requests: number; window_seconds: number | null; expires_at: number },
): void {
  policy.data.limits.forEach((limit, i) => {
    const dims: Array<[LimitScope, string]> = [];
    for (const dim of limit.key ?? [limit.scope]) {
      const value = dimension(ctx, dim);
      // A limit per user does not apply to a request without one.
      if (value === undefined) return;
      dims.push([dim, value]);
    }
    out.push(policyLimit(ctx.tenant_id, policy, i, dims, rule, cost, adjustment));
  });
}

/**
 * Limit `index` of a policy, counted under these dimension values: what the resolver, and the
 * check API's policy mode, hand to the limiter.
 */
export function policyLimit(
  tenantId: string,
  policy: Stored<PolicyData>,
  index: number,
  dims: ReadonlyArray<readonly [LimitScope, string]>,
  rule: { id: string } | null,
  cost: number,
  adjustment?: { max_requests: number; window_seconds: number | null; expires_at: number },
): ResolvedLimit {
  const p = policy.data;
  const limit = p.limits[index]!;
  return {
    spec: toLimitSpec(p, limit, adjustment),
    key: limitKey(tenantId, policy.id, index, dims),
    scope: limit.scope,
    cost: limit.cost_based ? cost : 1,
    policy: { id: policy.id, name: p.name, priority: p.priority },
    rule,
    throttle:
      p.throttle.mode === 'throttle'
        ? { mode: 'throttle', max_delay_ms: p.throttle.max_delay_ms! }
        : { mode: p.throttle.mode },
    ...(adjustment ? { adjustment: { expires_at: adjustment.expires_at } } : {}),
  };
}

/** The value of one key dimension for this request, or undefined when it has none. */
function dimension(ctx: RequestContext, dim: LimitScope): string | undefined {
  switch (dim) {
    case 'endpoint':
      return `${ctx.method.toUpperCase()} ${ctx.path}`;
    case 'user':
      return ctx.user_id;
    case 'tenant':
      return ctx.tenant_id;
    case 'ip':
      return ctx.ip || undefined;
    case 'api_key':
      return ctx.api_key_id;
  }
}

/** `{tenant}:{policy}:{index}:{dim}={value}…`, every part escaped so that none contains `:`. */
export function limitKey(
  tenantId: string,
  policyId: string,
  index: number,
  dims: ReadonlyArray<readonly [string, string]>,
): string {
  const parts = [tenantId, policyId, String(index), ...dims.map(([d, v]) => `${d}=${v}`)];
  return parts.map((p) => p.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'))).join(':');
}

function ruleMatches(r: CompiledRule, ctx: RequestContext, plan: string | undefined): boolean {
  const { target, conditions: c } = r.rule.data;
  if (r.method !== '*' && r.method !== ctx.method.toUpperCase()) return false;
  if (!r.path(ctx.path)) return false;
  switch (target.type) {
    case 'endpoint':
      if (!r.target(ctx.path)) return false;
      break;
    case 'user':
      if (ctx.user_id === undefined || !r.target(ctx.user_id)) return false;
      break;
    case 'api_key':
      if (ctx.api_key_id === undefined || !r.target(ctx.api_key_id)) return false;
      break;
    case 'tenant':
      if (!r.target(ctx.tenant_id)) return false;
      break;
    case 'ip':
      if (r.ipTarget && !r.ipTarget.has(ctx.ip)) return false;
      break;
    case 'role':
      if (!(ctx.roles ?? []).some((role) => r.target(role))) return false;
      break;
  }
  if (c.plans && (plan === undefined || !c.plans.includes(plan))) return false;
  if (c.roles && !(ctx.roles ?? []).some((role) => c.roles!.includes(role))) return false;
  if (c.headers) {
    for (const [name, want] of Object.entries(c.headers)) {
      const got = ctx.headers[name];
      if (got === undefined || (want !== '*' && got !== want)) return false;
    }
  }
  if (r.ipRanges && !r.ipRanges.has(ctx.ip)) return false;
  if (r.userAgent && !r.userAgent(ctx.user_agent)) return false;
  return true;
}

function findBypass(config: TenantConfig, ctx: RequestContext, now: number) {
  for (const { bypass, ranges } of config.bypasses) {
    const b = bypass.data;
    if (b.expires_at !== null && b.expires_at <= now) continue;
    const hit =
      b.type === 'api_key'
        ? ctx.api_key_id === b.value
        : b.type === 'user'
          ? ctx.user_id === b.value
          : b.type === 'role'
            ? (ctx.roles ?? []).includes(b.value)
            : ranges!.has(ctx.ip);
    if (hit) return { id: bypass.id, type: b.type, reason: b.reason };
  }
  return null;
}

/** The most specific subject's plan: the API key's, else the user's, else the tenant's. */
function planOf(config: TenantConfig, ctx: RequestContext): string | undefined {
  const { assignments } = config;
  return (
    (ctx.api_key_id === undefined ? undefined : assignments.get(`api_key:${ctx.api_key_id}`)) ??
    (ctx.user_id === undefined ? undefined : assignments.get(`user:${ctx.user_id}`)) ??
    assignments.get(`tenant:${ctx.tenant_id}`)
  );
}

/** The most specific matching endpoint cost, else 1. */
function costOf(config: TenantConfig, ctx: RequestContext): number {
  const method = ctx.method.toUpperCase();
  for (const { cost, path } of config.costs) {
    if ((cost.method === '*' || cost.method === method) && path(ctx.path)) return cost.cost;
  }
  return 1;
}
