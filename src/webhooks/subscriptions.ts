import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { readSecret, type SecretBox } from '../core/secrets.js';
import type { ObjectStore } from '../store/types.js';
import { compileEventPatterns, type EventMatcher } from './event-pattern.js';
import { type StoredWebhook, WEBHOOK_KIND } from './service.js';

/** An active webhook, ready to match events against. */
export interface Subscription {
  id: string;
  /** null: a global webhook, which gets every tenant's events. */
  tenant_id: string | null;
  url: string;
  secret: string;
  matches: EventMatcher;
}

/**
 * This node's copy of the active webhooks. Routing an event reads it; once it is `ttlMs`
 * old the store's revision of the `webhook` kind is checked, and only a change reloads, so
 * a change made on another node applies within about `ttlMs`. Changes through this node
 * call `invalidate()` and apply to the next event.
 */
export class SubscriptionCache {
  private loaded: { revision: number; subscriptions: Subscription[] } | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private stale = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly logger?: Logger,
    private readonly box: SecretBox | null = null,
  ) {}

  /** The active subscriptions; the ones in hand when the store cannot be read. */
  async current(): Promise<Subscription[]> {
    const now = this.clock.now();
    if (this.loaded && !this.stale && now - this.checkedAt < this.ttlMs) {
      return this.loaded.subscriptions;
    }
    try {
      const revision = await this.store.revision([WEBHOOK_KIND]);
      this.checkedAt = now;
      if (!this.loaded || this.stale || revision !== this.loaded.revision) {
        this.stale = false;
        const { items } = await this.store.list({ kind: WEBHOOK_KIND });
        this.loaded = { revision, subscriptions: this.compile(items as StoredWebhook[]) };
      }
    } catch (err) {
      this.logger?.warn({ err }, 'webhooks: cannot load subscriptions');
      if (!this.loaded) throw err;
    }
    return this.loaded.subscriptions;
  }

  /**
   * Whether an active webhook wants events of `type` in `tenantId`, from the subscriptions in
   * hand: yes as well when they are not loaded or are due a check (routing the event loads
   * them), so a webhook added on another node hears it within about `ttlMs`. Synchronous, for
   * the events emitted at fan-out rates only when someone wants them.
   */
  wants(type: string, tenantId: string | null): boolean {
    if (!this.loaded || this.stale || this.clock.now() - this.checkedAt >= this.ttlMs) return true;
    for (const s of this.loaded.subscriptions) {
      if ((s.tenant_id === null || s.tenant_id === tenantId) && s.matches(type)) return true;
    }
    return false;
  }

  /** The next event reloads first. */
  invalidate(): void {
    this.stale = true;
  }

  /** The active webhooks, secrets opened; one whose secret does not open is logged and left out. */
  private compile(webhooks: StoredWebhook[]): Subscription[] {
    const out: Subscription[] = [];
    for (const w of webhooks) {
      if (!w.data.active) continue;
      let secret: string;
      try {
        secret = readSecret(this.box, w.data.secret);
      } catch (err) {
        this.logger?.error(
          { err, webhook_id: w.id },
          'webhooks: cannot open a webhook’s secret; it gets no events',
        );
        continue;
      }
      out.push({
        id: w.id,
        tenant_id: w.tenant_id,
        url: w.data.url,
        secret,
        matches: compileEventPatterns(w.data.events),
      });
    }
    return out;
  }
}
