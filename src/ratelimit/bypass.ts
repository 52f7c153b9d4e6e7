import type { Static } from '@sinclair/typebox';
import { checkRange } from '../core/ip-ranges.js';
import type { Caller, Page, Stored } from '../objects/repository.js';
import { invalid, RateLimitService } from './objects.js';
import type { BypassData, CreateBypassBody, ListQuery } from './schemas.js';
import { views } from './views.js';

/** Bypass rules: requests of an API key, role, address range or user are never limited. */
export class BypassService extends RateLimitService<BypassData> {
  protected readonly repo = this.o.bypasses;

  async create(caller: Caller, body: Static<typeof CreateBypassBody>): Promise<Stored<BypassData>> {
    const tenant = this.o.bypasses.targetTenant(caller, body.tenant_id);
    if (body.type === 'ip') {
      const reason = checkRange(body.value);
      if (reason) throw invalid('body.value', reason);
    }
    if (body.expires_at !== undefined && body.expires_in_seconds !== undefined) {
      throw invalid('body.expires_at', 'and expires_in_seconds cannot both be given');
    }
    const now = this.clock.now();
    const expires =
      body.expires_at !== undefined
        ? Date.parse(body.expires_at)
        : body.expires_in_seconds !== undefined
          ? now + body.expires_in_seconds * 1000
          : null;
    if (expires !== null && expires <= now)
      throw invalid('body.expires_at', 'must be in the future');
    const created = await this.o.bypasses.create(
      tenant,
      {
        type: body.type,
        value: body.value,
        reason: body.reason,
        created_by: caller.key_id,
        expires_at: expires,
      },
      null,
    );
    return this.announce('ratelimit.bypass_created', views.bypass, created, caller);
  }

  /** Bypasses, expired ones included unless `active` (they stop applying, not existing). */
  override list(
    caller: Caller,
    query: ListQuery & { active?: boolean },
  ): Promise<Page<Stored<BypassData>>> {
    const { active, ...rest } = query;
    const now = this.clock.now();
    return this.o.bypasses.list(
      caller,
      rest,
      active === undefined
        ? undefined
        : (b) => (b.data.expires_at === null || b.data.expires_at > now) === active,
    );
  }

  async remove(caller: Caller, id: string): Promise<Stored<BypassData>> {
    const removed = await this.o.bypasses.remove(caller, id);
    return this.announce('ratelimit.bypass_deleted', views.bypass, removed, caller);
  }
}
