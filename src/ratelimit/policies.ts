import type { Static } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import type { Caller, Stored } from '../objects/repository.js';
import { invalid, RateLimitService } from './objects.js';
import {
  type CreatePolicyBody,
  type PolicyData,
  type UpdatePolicyBody,
  WINDOW_UNITS,
} from './schemas.js';
import { views } from './views.js';

type PolicyInput = Omit<Static<typeof CreatePolicyBody>, 'tenant_id'>;

/** Fills a policy's defaults and checks what a schema cannot: windows, modes, bucket. */
export function normalizePolicy(input: PolicyInput): PolicyData {
  const algorithm = input.algorithm ?? 'sliding_window';
  const limits = input.limits.map((limit, i) => {
    const field = `body.limits.${i}`;
    const unit = limit.window_unit === undefined ? undefined : WINDOW_UNITS[limit.window_unit];
    if (limit.window_seconds === undefined && unit === undefined) {
      throw invalid(field, 'needs window_seconds or window_unit');
    }
    if (limit.window_seconds !== undefined && unit !== undefined && unit !== limit.window_seconds) {
      throw invalid(field, 'has window_seconds and window_unit that disagree');
    }
    if (limit.key && !limit.key.includes(limit.scope)) {
      throw invalid(`${field}.key`, `must include the limit's scope (${limit.scope})`);
    }
    return {
      ...limit,
      window_seconds: (limit.window_seconds ?? unit)!,
      cost_based: limit.cost_based ?? false,
    };
  });
  const bucket = input.token_bucket ?? null;
  if (bucket && algorithm !== 'token_bucket') {
    throw invalid('body.token_bucket', 'is only for algorithm token_bucket');
  }
  if (bucket?.initial_tokens !== undefined && bucket.initial_tokens > bucket.bucket_size) {
    throw invalid('body.token_bucket.initial_tokens', 'must not exceed bucket_size');
  }
  const throttle = input.throttle ?? { mode: 'reject' };
  const { mode } = throttle;
  if (mode === 'throttle' && throttle.max_delay_ms === undefined) {
    throw invalid('body.throttle.max_delay_ms', 'is required in throttle mode');
  }
  if (mode !== 'throttle' && throttle.max_delay_ms !== undefined) {
    throw invalid('body.throttle.max_delay_ms', 'is only for throttle mode');
  }
  const penalty =
    throttle.penalty_max_requests !== undefined || throttle.penalty_duration_seconds !== undefined;
  if (mode === 'penalty_box') {
    if (throttle.penalty_max_requests === undefined) {
      throw invalid('body.throttle.penalty_max_requests', 'is required in penalty_box mode');
    }
    if (throttle.penalty_duration_seconds === undefined) {
      throw invalid('body.throttle.penalty_duration_seconds', 'is required in penalty_box mode');
    }
  } else if (penalty) {
    throw invalid('body.throttle', 'penalty_* fields are only for penalty_box mode');
  }
  return {
    name: input.name,
    description: input.description ?? '',
    limits,
    algorithm,
    token_bucket: bucket,
    burst: input.burst ?? null,
    throttle,
    priority: input.priority ?? 0,
    is_active: input.is_active ?? true,
  };
}

/** Policies: what a limit is. A policy that a rule or plan uses cannot be deleted. */
export class PolicyService extends RateLimitService<PolicyData> {
  protected readonly repo = this.o.policies;
  protected override readonly byKey = true;

  async create(caller: Caller, body: Static<typeof CreatePolicyBody>): Promise<Stored<PolicyData>> {
    const { tenant_id, ...input } = body;
    const tenant = this.o.policies.targetTenant(caller, tenant_id);
    const created = await this.o.policies.create(tenant, normalizePolicy(input), input.name);
    return this.announce('ratelimit.policy_created', views.policy, created, caller);
  }

  async update(
    caller: Caller,
    idOrName: string,
    body: Static<typeof UpdatePolicyBody>,
  ): Promise<Stored<PolicyData>> {
    const { id } = await this.get(caller, idOrName);
    const { version, ...change } = body;
    const updated = await this.o.policies.update(
      caller,
      id,
      (current) => {
        const data = normalizePolicy({ ...current.data, ...change } as PolicyInput);
        return { data, key: data.name };
      },
      version,
    );
    return this.announce('ratelimit.policy_updated', views.policy, updated, caller);
  }

  async remove(caller: Caller, idOrName: string): Promise<Stored<PolicyData>> {
    const { id } = await this.get(caller, idOrName);
    // A rule or plan that comes to refer to the policy moves its version (touch), so the
    // delete of a version read before fails, and looks again.
    for (let attempt = 1; ; attempt++) {
      try {
        const removed = await this.o.policies.remove(caller, id, async (policy) => {
          const rules = (await this.o.rules.all()).filter((r) => r.data.policy_id === policy.id);
          const plans = (await this.o.plans.all()).filter((p) => p.data.policy_id === policy.id);
          if (rules.length > 0 || plans.length > 0) {
            throw new NotifydError('POLICY_IN_USE', undefined, {
              rules: rules.map((r) => r.id),
              plans: plans.map((p) => p.data.plan),
            });
          }
        });
        return this.announce('ratelimit.policy_deleted', views.policy, removed, caller);
      } catch (err) {
        const moved = err instanceof NotifydError && err.code === 'VERSION_CONFLICT';
        if (!moved || attempt >= 5) throw err;
      }
    }
  }
}
