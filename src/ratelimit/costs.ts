import type { Static } from '@sinclair/typebox';
import type { Caller, Page, Stored } from '../objects/repository.js';
import { type ChangeSink, invalid, type RateLimitObjects } from './objects.js';
import type { CostData, CreateCostBody, ListQuery, UpdateCostBody } from './schemas.js';
import { views } from './views.js';

/** Endpoint costs: what one request to a path (and method) counts against cost-based limits. */
export class CostService {
  constructor(
    private readonly o: RateLimitObjects,
    private readonly changed: ChangeSink,
  ) {}

  async create(caller: Caller, body: Static<typeof CreateCostBody>): Promise<Stored<CostData>> {
    const tenant = this.o.costs.targetTenant(caller, body.tenant_id);
    if (body.path !== '*' && body.path !== '**' && !body.path.startsWith('/')) {
      throw invalid('body.path', 'must start with / (or be * for any path)');
    }
    const data: CostData = {
      method: body.method ?? '*',
      path: body.path,
      cost: body.cost,
      description: body.description ?? '',
    };
    const created = await this.o.costs.create(tenant, data, `${data.method} ${data.path}`);
    this.changed('ratelimit.cost_created', views.cost(created));
    return created;
  }

  list(caller: Caller, query: ListQuery): Promise<Page<Stored<CostData>>> {
    return this.o.costs.list(caller, query);
  }

  get(caller: Caller, id: string): Promise<Stored<CostData>> {
    return this.o.costs.get(caller, id);
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
    this.changed('ratelimit.cost_updated', views.cost(updated));
    return updated;
  }

  async remove(caller: Caller, id: string): Promise<Stored<CostData>> {
    const removed = await this.o.costs.remove(caller, id);
    this.changed('ratelimit.cost_deleted', views.cost(removed));
    return removed;
  }
}
