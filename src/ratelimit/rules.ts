import type { Static } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import { checkRange } from '../core/ip-ranges.js';
import type { Caller, Page, Stored } from '../objects/repository.js';
import { checkPath, checkReference, invalid, RateLimitService } from './objects.js';
import type { Conditions, CreateRuleBody, ListQuery, RuleData, UpdateRuleBody } from './schemas.js';
import { views } from './views.js';

type RuleInput = Omit<Static<typeof CreateRuleBody>, 'tenant_id'>;

const sorted = (values: readonly string[] | undefined) => (values ? [...values].sort() : undefined);

/** Fills a rule's defaults and puts its conditions in one canonical order. */
export function normalizeRule(input: RuleInput): RuleData {
  const value = input.target.value ?? '*';
  if (input.target.type === 'ip' && value !== '*') {
    const reason = checkRange(value);
    if (reason) throw invalid('body.target.value', reason);
  }
  if (input.target.type === 'endpoint') checkPath('body.target.value', value);
  const path = input.path ?? '*';
  checkPath('body.path', path);
  const c = input.conditions ?? {};
  for (const [i, range] of (c.ip_ranges ?? []).entries()) {
    const reason = checkRange(range);
    if (reason) throw invalid(`body.conditions.ip_ranges.${i}`, reason);
  }
  const conditions: Conditions = {};
  if (c.plans) conditions.plans = sorted(c.plans)!;
  if (c.roles) conditions.roles = sorted(c.roles)!;
  if (c.headers) {
    conditions.headers = Object.fromEntries(
      Object.entries(c.headers)
        .map(([name, v]) => [name.toLowerCase(), v] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  }
  if (c.ip_ranges) conditions.ip_ranges = sorted(c.ip_ranges)!;
  if (c.user_agent) conditions.user_agent = c.user_agent;
  return {
    policy_id: input.policy_id,
    description: input.description ?? '',
    target: { type: input.target.type, value },
    method: input.method ?? '*',
    path,
    conditions,
    priority: input.priority ?? 0,
    enabled: input.enabled ?? true,
  };
}

/**
 * Two rules conflict when both are enabled, belong to the same tenant (or are both global),
 * and have the same target (type and value), method, path, conditions and priority: they
 * apply to exactly the same requests at the same rank, so nothing says which limit is meant.
 * Rules that differ in any of these (or that bind the same match to a different priority)
 * do not conflict; the resolver orders them.
 */
export function conflicts(a: RuleData, b: RuleData): boolean {
  return (
    a.enabled &&
    b.enabled &&
    a.target.type === b.target.type &&
    a.target.value === b.target.value &&
    a.method === b.method &&
    a.path === b.path &&
    a.priority === b.priority &&
    JSON.stringify(a.conditions) === JSON.stringify(b.conditions)
  );
}

/** Rules: bind a policy to the requests they match. Conflicting enabled rules are refused. */
export class RuleService extends RateLimitService<RuleData> {
  protected readonly repo = this.o.rules;

  async create(caller: Caller, body: Static<typeof CreateRuleBody>): Promise<Stored<RuleData>> {
    const { tenant_id, ...input } = body;
    const tenant = this.o.rules.targetTenant(caller, tenant_id);
    const data = normalizeRule(input);
    data.policy_id = await this.policyId(caller, tenant, data.policy_id);
    await this.checkConflict(tenant, data, null);
    const created = await this.createReferring(this.o.rules, tenant, data, null);
    return this.announce('ratelimit.rule_created', views.rule, created, caller);
  }

  /**
   * `policy_id` takes a policy's name too, as creating a rule does (`notifyd rule list
   * --policy free` used to list nothing); one the caller cannot see is 404 POLICY_NOT_FOUND.
   */
  override async list(
    caller: Caller,
    query: ListQuery & { policy_id?: string },
  ): Promise<Page<Stored<RuleData>>> {
    const { policy_id, ...rest } = query;
    let policy: string | undefined;
    if (policy_id) {
      const found = await this.findPolicy(caller, caller.tenant_id, policy_id);
      if (!found) throw new NotifydError('POLICY_NOT_FOUND', undefined, { id: policy_id });
      policy = found.id;
    }
    return this.o.rules.list(caller, rest, policy ? (r) => r.data.policy_id === policy : undefined);
  }

  async update(
    caller: Caller,
    id: string,
    body: Static<typeof UpdateRuleBody>,
    event:
      | 'ratelimit.rule_updated'
      | 'ratelimit.rule_enabled'
      | 'ratelimit.rule_disabled' = 'ratelimit.rule_updated',
  ): Promise<Stored<RuleData>> {
    const { version, ...change } = body;
    const updated = await this.updateReferring(
      this.o.rules,
      caller,
      id,
      async (current) => {
        const data = normalizeRule({ ...current.data, ...change });
        if (change.policy_id !== undefined) {
          data.policy_id = await this.policyId(caller, current.tenant_id, change.policy_id);
        }
        await this.checkConflict(current.tenant_id, data, id);
        return { data, key: null };
      },
      version,
    );
    return this.announce(event, views.rule, updated, caller);
  }

  /** Enables or disables a rule; enabling checks for conflicts again. */
  setEnabled(caller: Caller, id: string, enabled: boolean): Promise<Stored<RuleData>> {
    return this.update(
      caller,
      id,
      { enabled },
      enabled ? 'ratelimit.rule_enabled' : 'ratelimit.rule_disabled',
    );
  }

  async remove(caller: Caller, id: string): Promise<Stored<RuleData>> {
    const removed = await this.o.rules.remove(caller, id);
    return this.announce('ratelimit.rule_deleted', views.rule, removed, caller);
  }

  /** The policy's id, given its id or name; it must be visible from the rule's tenant. */
  private async policyId(caller: Caller, tenant: string | null, idOrName: string): Promise<string> {
    const policy = await this.findPolicy(caller, tenant, idOrName);
    if (!policy || (tenant === null && policy.tenant_id !== null)) {
      throw new NotifydError('POLICY_NOT_FOUND', undefined, { id: idOrName });
    }
    checkReference(tenant, policy, 'body.policy_id');
    return policy.id;
  }

  private async checkConflict(
    tenant: string | null,
    data: RuleData,
    self: string | null,
  ): Promise<void> {
    const rules = await this.o.rules.all([tenant]);
    const clash = rules.find((r) => r.id !== self && conflicts(r.data, data));
    if (clash) {
      throw new NotifydError('RULE_CONFLICT', undefined, { conflicting_rule_id: clash.id });
    }
  }
}
