import { deleteExpired } from './maps.js';

/** Who holds an idempotency key, and until when. */
export interface IdempotencyClaim {
  notification_id: string;
  request_id: string;
  expires_at: number;
}

/** Idempotency keys per tenant, in memory. */
export class MemoryIdempotency {
  private readonly claims = new Map<string, IdempotencyClaim>();

  /** The claim on this key that is still valid at `at`, if any. */
  held(tenantId: string, key: string, at: number): IdempotencyClaim | undefined {
    const claim = this.claims.get(claimKey(tenantId, key));
    return claim && claim.expires_at > at ? claim : undefined;
  }

  set(tenantId: string, key: string, claim: IdempotencyClaim): void {
    this.claims.set(claimKey(tenantId, key), claim);
  }

  /** Forgets the claim on this key if it is held by this notification. */
  forget(tenantId: string, key: string, notificationId: string): void {
    const k = claimKey(tenantId, key);
    if (this.claims.get(k)?.notification_id === notificationId) this.claims.delete(k);
  }

  /** Forgets claims that expired at or before `now`; returns how many. */
  purge(now: number): number {
    return deleteExpired(this.claims, now);
  }
}

/** A NUL cannot appear in a tenant id, so tenant and key never run together ambiguously. */
export function claimKey(tenantId: string, key: string): string {
  return `${tenantId}\u0000${key}`;
}
