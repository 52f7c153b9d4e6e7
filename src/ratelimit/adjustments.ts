import type { Static } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import type { Caller, Page, Stored } from '../objects/repository.js';
import { RateLimitService } from './objects.js';
import type { AdjustmentData, CreateAdjustmentBody, ListQuery } from './schemas.js';
import { adjustmentActive, views } from './views.js';

/**
 * Adjustments: a temporary limit for a rule. While active it replaces the limits of the
 * rule's policy (max_requests, and the window when given); it lapses at its expiry by
 * itself, as the resolver compares it with the time (and expireDue announces it soon
 * after), or earlier when reverted. A rule has at
 * most one active adjustment: the active one holds the key `rule:{id}`, which the store
 * keeps unique, so two concurrent creations cannot both succeed.
 */
export class AdjustmentService extends RateLimitService<AdjustmentData> {
  protected readonly repo = this.o.adjustments;

  async create(
    caller: Caller,
    body: Static<typeof CreateAdjustmentBody>,
  ): Promise<Stored<AdjustmentData>> {
    const rule = await this.o.rules.writable(caller, body.rule_id);
    const key = `rule:${rule.id}`;
    const now = this.clock.now();
    const holder = await this.o.adjustments.findByKey(caller, key, rule.tenant_id);
    if (holder && holder.tenant_id === rule.tenant_id) {
      if (adjustmentActive(holder.data, now)) throw this.active(holder.id);
      // Expired: it lets go of the key, staying listed as history.
      await this.o.adjustments.update(caller, holder.id, (c) => ({ data: c.data, key: null }));
    }
    const data: AdjustmentData = {
      rule_id: rule.id,
      max_requests: body.max_requests,
      window_seconds: body.window_seconds ?? null,
      reason: body.reason,
      created_by: caller.key_id,
      expires_at: now + body.duration_seconds * 1000,
      reverted_at: null,
      reverted_by: null,
    };
    try {
      const created = await this.o.adjustments.create(rule.tenant_id, data, key);
      const view = (a: Stored<AdjustmentData>) => views.adjustment(a, now);
      return this.announce('ratelimit.adjustment_created', view, created, caller);
    } catch (err) {
      if (err instanceof NotifydError && err.code === 'ALREADY_EXISTS') throw this.active(null);
      throw err;
    }
  }

  override list(
    caller: Caller,
    query: ListQuery & { rule_id?: string; active?: boolean },
  ): Promise<Page<Stored<AdjustmentData>>> {
    const { rule_id, active, ...rest } = query;
    const now = this.clock.now();
    const filtered = rule_id !== undefined || active !== undefined;
    return this.o.adjustments.list(
      caller,
      rest,
      filtered
        ? (a) =>
            (rule_id === undefined || a.data.rule_id === rule_id) &&
            (active === undefined || adjustmentActive(a.data, now) === active)
        : undefined,
    );
  }

  /** Ends an active adjustment now; the rule's own limit applies again. */
  async revert(caller: Caller, id: string): Promise<Stored<AdjustmentData>> {
    const reverted = await this.o.adjustments.update(caller, id, (current) => {
      const now = this.clock.now();
      if (!adjustmentActive(current.data, now)) {
        throw new NotifydError('ADJUSTMENT_NOT_FOUND', 'The adjustment already ended.', { id });
      }
      return { data: { ...current.data, reverted_at: now, reverted_by: caller.key_id }, key: null };
    });
    const view = (a: Stored<AdjustmentData>) => views.adjustment(a, this.clock.now());
    return this.announce('ratelimit.adjustment_reverted', view, reverted, caller);
  }

  /**
   * Announces the adjustments whose time ran out (`ratelimit.adjustment_expired`) and lets go
   * of their rule's key. Each is announced once, whichever nodes sweep: letting go is an
   * update at the version read, which one sweep wins. Resolves to how many it announced.
   */
  async expireDue(): Promise<number> {
    const now = this.clock.now();
    let announced = 0;
    for (const a of await this.o.adjustments.all()) {
      if (a.key === null || adjustmentActive(a.data, now)) continue;
      const released = await this.o.adjustments.replace(a, a.data, null);
      if (!released) continue;
      // Its time ran out: notifyd ended it, not a key.
      this.changed('ratelimit.adjustment_expired', {
        ...views.adjustment(released, now),
        actor: 'system',
      });
      announced++;
    }
    return announced;
  }

  private active(id: string | null): NotifydError {
    return new NotifydError('ADJUSTMENT_ACTIVE', undefined, id ? { adjustment_id: id } : {});
  }
}
