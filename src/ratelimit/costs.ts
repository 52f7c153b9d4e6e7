import type { Static } from '@sinclair/typebox';
import type { Caller, Stored } from '../objects/repository.js';
import { checkPath, RateLimitService } from './objects.js';
import type { CostData, CreateCostBody, UpdateCostBody } from './schemas.js';
import { views } from './views.js';

/** Endpoint costs: what one request to a path (and method) counts against cost-based limits. */
export class CostService extends RateLimitService<CostData> {
  protected readonly repo = this.o.costs;

  async create(caller: Caller, body: Static<typeof CreateCostBody>): Promise<Stored<CostData>> {
    const tenant = this.o.costs.targetTenant(caller, body.tenant_id);
    checkPath('body.path', body.path);
    const data: CostData = {
      method: body.method ?? '*',
      path: body.path,
      cost: body.cost,
      description: body.description ?? '',
    };
    const created = await this.o.costs.create(tenant, data, `${data.method} ${data.path}`);
    return this.announce('ratelimit.cost_created', views.cost, created, caller);
  }

  async update(
    caller: Caller,
    id: string,
    body: Static<typeof UpdateCostBody>,
  ): Promise<Stored<CostData>> {
    const updated = await this.o.costs.update(
      caller,
      id,
      (current) => {
        const data = {
          ...current.data,
          ...(body.cost !== undefined ? { cost: body.cost } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
        };
        return { data, key: current.key };
      },
      body.version,
    );
    return this.announce('ratelimit.cost_updated', views.cost, updated, caller);
  }

  async remove(caller: Caller, id: string): Promise<Stored<CostData>> {
    const removed = await this.o.costs.remove(caller, id);
    return this.announce('ratelimit.cost_deleted', views.cost, removed, caller);
  }
}
