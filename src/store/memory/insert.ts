import { StoreConflictError } from '../errors.js';
import { duplicateOf } from '../insert-items.js';
import type { InsertOutcome, NewNotification } from '../types.js';
import type { MemoryDeliveryQueue } from './deliveries.js';
import { claimKey, type IdempotencyClaim, type MemoryIdempotency } from './idempotency.js';

/** What an insert will write, decided before anything is written. */
export interface InsertPlan {
  outcomes: InsertOutcome[];
  /** The items to write: those that are not duplicates. */
  writes: NewNotification[];
  claims: { tenantId: string; key: string; claim: IdempotencyClaim }[];
}

/**
 * Decides every item's outcome and checks for id conflicts first, so that a failing insert
 * throws before it has written anything. Within one batch the first holder of a key wins.
 */
export function planInsert(
  items: NewNotification[],
  idempotency: MemoryIdempotency,
  hasNotification: (id: string) => boolean,
  deliveries: MemoryDeliveryQueue,
): InsertPlan {
  const plan: InsertPlan = { outcomes: [], writes: [], claims: [] };
  const inBatch = new Map<string, IdempotencyClaim>();
  const newIds = new Set<string>();
  for (const item of items) {
    const n = item.notification;
    if (item.idempotency) {
      const k = claimKey(n.tenant_id, item.idempotency.key);
      const earlier = inBatch.get(k);
      const held =
        earlier && earlier.expires_at > n.created_at
          ? earlier
          : idempotency.held(n.tenant_id, item.idempotency.key, n.created_at);
      if (held) {
        plan.outcomes.push(duplicateOf(held));
        continue;
      }
      const claim = {
        notification_id: n.id,
        request_id: n.request_id,
        expires_at: item.idempotency.expires_at,
      };
      inBatch.set(k, claim);
      plan.claims.push({ tenantId: n.tenant_id, key: item.idempotency.key, claim });
    }
    claimId(newIds, n.id, hasNotification(n.id), 'notification');
    for (const d of item.deliveries) claimId(newIds, d.id, deliveries.has(d.id), 'delivery');
    plan.outcomes.push({ status: 'created' });
    plan.writes.push(item);
  }
  return plan;
}

function claimId(newIds: Set<string>, id: string, stored: boolean, what: string): void {
  if (stored || newIds.has(id)) {
    throw new StoreConflictError(`A ${what} with id ${id} already exists.`);
  }
  newIds.add(id);
}
