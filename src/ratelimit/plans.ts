import type { Static } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import type { Caller, Page, Stored } from '../objects/repository.js';
import { matching } from '../objects/service.js';
import { checkReference, RateLimitService } from './objects.js';
import type {
  AssignmentData,
  AssignPlanBody,
  CreatePlanBody,
  ListQuery,
  PlanData,
  UpdatePlanBody,
} from './schemas.js';
import { views } from './views.js';

/** The unique key of an assignment: one plan per subject. */
const subjectKey = (a: Pick<AssignmentData, 'subject_type' | 'subject_id'>) =>
  `${a.subject_type}:${a.subject_id}`;

/**
 * Plans map a plan id (`free`, `pro`) to a policy; assignments give API keys, users and
 * tenants a plan, one each (assigning again replaces it).
 */
export class PlanService extends RateLimitService<PlanData> {
  protected readonly repo = this.o.plans;
  protected override readonly byKey = true;

  async create(caller: Caller, body: Static<typeof CreatePlanBody>): Promise<Stored<PlanData>> {
    const tenant = this.o.plans.targetTenant(caller, body.tenant_id);
    const policyId = await this.policyId(caller, tenant, body.policy_id);
    const created = await this.createReferring(
      this.o.plans,
      tenant,
      { plan: body.plan, policy_id: policyId, description: body.description ?? '' },
      body.plan,
    );
    return this.announce('ratelimit.plan_created', views.plan, created, caller);
  }

  async update(
    caller: Caller,
    idOrPlan: string,
    body: Static<typeof UpdatePlanBody>,
  ): Promise<Stored<PlanData>> {
    const { id } = await this.get(caller, idOrPlan);
    const updated = await this.updateReferring(
      this.o.plans,
      caller,
      id,
      async (current) => {
        const data = { ...current.data };
        if (body.description !== undefined) data.description = body.description;
        if (body.policy_id !== undefined) {
          data.policy_id = await this.policyId(caller, current.tenant_id, body.policy_id);
        }
        return { data, key: data.plan };
      },
      body.version,
    );
    return this.announce('ratelimit.plan_updated', views.plan, updated, caller);
  }

  /** Deletes a plan and, with it, nothing else: assignments to it stop applying. */
  async remove(caller: Caller, idOrPlan: string): Promise<Stored<PlanData>> {
    const { id } = await this.get(caller, idOrPlan);
    const removed = await this.o.plans.remove(caller, id);
    return this.announce('ratelimit.plan_deleted', views.plan, removed, caller);
  }

  /** Gives a subject a plan, replacing the plan it had; the plan must exist. */
  async assign(
    caller: Caller,
    body: Static<typeof AssignPlanBody>,
  ): Promise<{ assignment: Stored<AssignmentData>; created: boolean }> {
    const tenant = this.o.assignments.targetTenant(caller, body.tenant_id);
    const plan = await this.o.plans.findByKey(caller, body.plan, tenant);
    if (!plan || (tenant === null && plan.tenant_id !== null)) {
      throw new NotifydError('PLAN_NOT_FOUND', undefined, { plan: body.plan });
    }
    const data: AssignmentData = {
      plan: body.plan,
      subject_type: body.subject_type,
      subject_id: body.subject_id,
    };
    const key = subjectKey(data);
    const existing = await this.o.assignments.findByKey(caller, key, tenant);
    const replacing = existing !== null && existing.tenant_id === tenant;
    const assignment = replacing
      ? await this.o.assignments.update(caller, existing.id, () => ({ data, key }))
      : await this.o.assignments.create(tenant, data, key);
    this.announce('ratelimit.plan_assigned', views.assignment, assignment, caller);
    return { assignment, created: !replacing };
  }

  listAssignments(
    caller: Caller,
    query: ListQuery & { plan?: string; subject_type?: string; subject_id?: string },
  ): Promise<Page<Stored<AssignmentData>>> {
    const { plan, subject_type, subject_id, ...rest } = query;
    const filter = matching<AssignmentData>({ plan, subject_type, subject_id });
    return this.o.assignments.list(caller, rest, filter);
  }

  async unassign(caller: Caller, id: string): Promise<Stored<AssignmentData>> {
    const removed = await this.o.assignments.remove(caller, id);
    return this.announce('ratelimit.plan_unassigned', views.assignment, removed, caller);
  }

  private async policyId(caller: Caller, tenant: string | null, idOrName: string): Promise<string> {
    const policy = await this.findPolicy(caller, tenant, idOrName);
    if (!policy) throw new NotifydError('POLICY_NOT_FOUND', undefined, { id: idOrName });
    checkReference(tenant, policy, 'body.policy_id');
    return policy.id;
  }
}
