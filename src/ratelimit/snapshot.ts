import { IpRanges } from '../core/ip-ranges.js';
import type { Stored } from '../objects/repository.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import { compileGlob, type Matcher, specificity } from './glob.js';
import { RATELIMIT_KINDS } from './objects.js';
import type {
  AdjustmentData,
  AssignmentData,
  BypassData,
  CostData,
  PlanData,
  PolicyData,
  RuleData,
} from './schemas.js';

/** A rule made ready to match: globs and ranges compiled once. */
export interface CompiledRule {
  rule: Stored<RuleData>;
  policy: Stored<PolicyData>;
  target: Matcher;
  method: string;
  path: Matcher;
  ipTarget: IpRanges | null;
  ipRanges: IpRanges | null;
  userAgent: Matcher | null;
  /** Adjustments of the rule, active or not (the resolver compares them with the time). */
  adjustments: AdjustmentData[];
}

export interface CompiledBypass {
  bypass: Stored<BypassData>;
  ranges: IpRanges | null;
}

export interface CompiledCost {
  cost: CostData;
  path: Matcher;
}

/** Everything that applies in one tenant: its own objects and the global ones. */
export interface TenantConfig {
  /** Enabled rules of active policies, highest priority first, the tenant's before global. */
  rules: CompiledRule[];
  bypasses: CompiledBypass[];
  /** Most specific first: an exact method before `*`, then more literal characters. */
  costs: CompiledCost[];
  /** Plan id → its policy (the tenant's plan wins over a global one of the same id). */
  plans: Map<string, Stored<PolicyData>>;
  /** `subject_type:subject_id` → plan id. */
  assignments: Map<string, string>;
}

type ByKind = { [K in (typeof RATELIMIT_KINDS)[number]]: StoredObject[] };

/** All rate-limit objects as loaded at one revision; per-tenant views are built on first use. */
export class RateLimitSnapshot {
  private readonly tenants = new Map<string, TenantConfig>();

  constructor(
    private readonly objects: ByKind,
    readonly revision: number,
  ) {}

  /** An empty snapshot: nothing configured. */
  static empty(): RateLimitSnapshot {
    const none = Object.fromEntries(RATELIMIT_KINDS.map((k) => [k, []])) as unknown as ByKind;
    return new RateLimitSnapshot(none, -1);
  }

  /** Loads every rate-limit object of every tenant (configuration is small). */
  static async load(store: ObjectStore): Promise<RateLimitSnapshot> {
    const revision = await store.revision(RATELIMIT_KINDS);
    const lists = await Promise.all(RATELIMIT_KINDS.map((kind) => store.list({ kind })));
    const byKind = Object.fromEntries(
      RATELIMIT_KINDS.map((k, i) => [k, lists[i]!.items]),
    ) as unknown as ByKind;
    return new RateLimitSnapshot(byKind, revision);
  }

  /** What applies in `tenantId`, compiled once per snapshot. */
  tenant(tenantId: string): TenantConfig {
    let config = this.tenants.get(tenantId);
    if (!config) {
      config = this.compile(tenantId);
      this.tenants.set(tenantId, config);
    }
    return config;
  }

  /** The policies a tenant may use: its own, then the global ones. */
  policiesOf(tenantId: string): Stored<PolicyData>[] {
    const all = this.objects.ratelimit_policy as unknown as Stored<PolicyData>[];
    return [
      ...all.filter((o) => o.tenant_id === tenantId),
      ...all.filter((o) => o.tenant_id === null),
    ];
  }

  private compile(tenantId: string): TenantConfig {
    // Own objects first, so that where one must win (plan ids, assignments) it is the tenant's.
    const of = <D>(kind: keyof ByKind) => {
      const all = this.objects[kind] as Stored<D>[];
      return [
        ...all.filter((o) => o.tenant_id === tenantId),
        ...all.filter((o) => o.tenant_id === null),
      ];
    };
    const policies = new Map(of<PolicyData>('ratelimit_policy').map((p) => [p.id, p]));
    const adjustments = new Map<string, AdjustmentData[]>();
    for (const a of of<AdjustmentData>('ratelimit_adjustment')) {
      const list = adjustments.get(a.data.rule_id) ?? [];
      list.push(a.data);
      adjustments.set(a.data.rule_id, list);
    }
    const rules: CompiledRule[] = [];
    for (const rule of of<RuleData>('ratelimit_rule')) {
      const policy = policies.get(rule.data.policy_id);
      if (!rule.data.enabled || !policy?.data.is_active) continue;
      const { target, conditions: c } = rule.data;
      rules.push({
        rule,
        policy,
        target: target.type === 'endpoint' ? compileGlob(target.value) : exact(target.value),
        method: rule.data.method,
        path: compileGlob(rule.data.path),
        ipTarget:
          target.type === 'ip' && target.value !== '*' ? new IpRanges([target.value]) : null,
        ipRanges: c.ip_ranges ? new IpRanges(c.ip_ranges) : null,
        userAgent: c.user_agent
          ? compileGlob(c.user_agent, { caseInsensitive: true, segments: false })
          : null,
        adjustments: adjustments.get(rule.id) ?? [],
      });
    }
    // Stable sort: equal priorities keep own-before-global, then creation order.
    rules.sort((a, b) => b.rule.data.priority - a.rule.data.priority);
    const plans = new Map<string, Stored<PolicyData>>();
    for (const plan of of<PlanData>('ratelimit_plan')) {
      const policy = policies.get(plan.data.policy_id);
      if (policy && !plans.has(plan.data.plan)) plans.set(plan.data.plan, policy);
    }
    const assignments = new Map<string, string>();
    for (const a of of<AssignmentData>('ratelimit_plan_assignment')) {
      const key = `${a.data.subject_type}:${a.data.subject_id}`;
      if (!assignments.has(key)) assignments.set(key, a.data.plan);
    }
    const costs = of<CostData>('ratelimit_cost')
      .map((o) => ({ cost: o.data, path: compileGlob(o.data.path) }))
      .sort(
        (a, b) =>
          Number(a.cost.method === '*') - Number(b.cost.method === '*') ||
          specificity(b.cost.path) - specificity(a.cost.path),
      );
    const bypasses = of<BypassData>('ratelimit_bypass').map((bypass) => ({
      bypass,
      ranges: bypass.data.type === 'ip' ? new IpRanges([bypass.data.value]) : null,
    }));
    return { rules, bypasses, costs, plans, assignments };
  }
}

/** `*` for any value, else exactly this one. */
function exact(value: string): Matcher {
  return value === '*' ? () => true : (v) => v === value;
}
