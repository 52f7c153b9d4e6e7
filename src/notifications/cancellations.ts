/**
 * Cancellation by key: a tenant-scoped marker in the objects store (`cancellation`) holds
 * when a key was last used; whatever holds the key and was sent up to then is cancelled.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { StoreConflictError } from '../store/errors.js';
import type { Store } from '../store/types.js';
import type { NotificationRecord } from './records.js';

const CANCELLATION = 'cancellation';

const iso = (ms: number) => new Date(ms).toISOString();

export interface CancellationsDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
}

export class Cancellations {
  private readonly hooks: Array<(tenantId: string, key: string) => Promise<unknown>> = [];

  constructor(private readonly deps: CancellationsDeps) {}

  /** Adds what else a cancellation key cancels (scheduled sends), after its marker is kept. */
  alsoCancels(hook: (tenantId: string, key: string) => Promise<unknown>): void {
    this.hooks.push(hook);
  }

  /**
   * Cancels what is not sent yet of the tenant's notifications (and topic sends) holding the
   * key, sent up to now: their pending and deferred deliveries are settled `cancelled`
   * instead of going out, and a topic send stops fanning out.
   */
  async cancel(
    tenantId: string,
    key: string,
  ): Promise<{ cancellation_key: string; cancelled_at: string }> {
    const { store, clock, ids } = this.deps;
    const now = clock.now();
    for (let attempt = 0; ; attempt++) {
      const found = await store.objects.getByKey(CANCELLATION, tenantId, key);
      try {
        if (!found) {
          await store.objects.create({
            kind: CANCELLATION,
            id: ids('ccl'),
            tenant_id: tenantId,
            key,
            data: { at: now },
            created_at: now,
          });
          break;
        }
        const outcome = await store.objects.update(
          CANCELLATION,
          found.id,
          { data: { at: now }, key },
          found.version,
          now,
        );
        if (outcome.status === 'ok') break;
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
      }
      if (attempt >= 3) throw new NotifydError('STORE_UNAVAILABLE');
    }
    for (const hook of this.hooks) await hook(tenantId, key);
    return { cancellation_key: key, cancelled_at: iso(now) };
  }

  /** Whether a notification was cancelled by its key after it was sent. */
  async cancelled(n: NotificationRecord): Promise<boolean> {
    if (!n.cancellation_key) return false;
    return this.cancelledSince(n.tenant_id, n.cancellation_key, n.created_at);
  }

  /** Whether the tenant's cancellation key was used at or after `at`. */
  async cancelledSince(tenantId: string, key: string, at: number): Promise<boolean> {
    const marker = await this.deps.store.objects.getByKey(CANCELLATION, tenantId, key);
    return marker !== null && (marker.data.at as number) >= at;
  }
}
