/** How many sessions may be open, and how fast one address may open them. */
export interface ConnectionLimitOptions {
  /** Open sessions per user; 0 for no limit. */
  perUser: number;
  /** Open sessions per tenant; 0 for no limit. */
  perTenant: number;
  /** New connections per second from one address (a token bucket), and the burst above it. */
  ratePerIp: number;
  burstPerIp: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle (full) ones are dropped, so that address churn cannot grow memory. */
const MAX_BUCKETS = 50_000;

/**
 * Connection limits of one node: sessions per user and per tenant, and a connection rate per
 * client address. Counts are this node's; with several nodes each enforces its own share.
 */
export class ConnectionLimits {
  private readonly users = new Map<string, number>();
  private readonly tenants = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly opts: ConnectionLimitOptions) {}

  /**
   * Takes one connection from the address's bucket. Resolves to 0 when allowed, else the
   * seconds until the next connection is.
   */
  connect(address: string, now: number): number {
    const { ratePerIp, burstPerIp } = this.opts;
    if (ratePerIp <= 0) return 0;
    const bucket = this.buckets.get(address) ?? { tokens: burstPerIp, at: now };
    bucket.tokens = Math.min(burstPerIp, bucket.tokens + ((now - bucket.at) / 1000) * ratePerIp);
    bucket.at = now;
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / ratePerIp);
    bucket.tokens -= 1;
    if (!this.buckets.has(address) && this.buckets.size >= MAX_BUCKETS) this.prune(now);
    this.buckets.set(address, bucket);
    return 0;
  }

  /** Counts a session of the user if both the user and the tenant are under their limits. */
  admit(tenantId: string, userId: string): boolean {
    const user = `${tenantId}\u0000${userId}`;
    const users = this.users.get(user) ?? 0;
    const tenants = this.tenants.get(tenantId) ?? 0;
    if (this.opts.perUser > 0 && users >= this.opts.perUser) return false;
    if (this.opts.perTenant > 0 && tenants >= this.opts.perTenant) return false;
    this.users.set(user, users + 1);
    this.tenants.set(tenantId, tenants + 1);
    return true;
  }

  /** Forgets a session that `admit` counted. */
  release(tenantId: string, userId: string): void {
    const user = `${tenantId}\u0000${userId}`;
    const users = (this.users.get(user) ?? 1) - 1;
    const tenants = (this.tenants.get(tenantId) ?? 1) - 1;
    if (users > 0) this.users.set(user, users);
    else this.users.delete(user);
    if (tenants > 0) this.tenants.set(tenantId, tenants);
    else this.tenants.delete(tenantId);
  }

  /** Drops buckets that have refilled: they hold nothing a new bucket would not. */
  private prune(now: number): void {
    const { ratePerIp, burstPerIp } = this.opts;
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * ratePerIp >= burstPerIp) this.buckets.delete(address);
    }
  }
}
