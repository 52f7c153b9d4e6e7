/** Who is calling, once authenticated. */
export type Principal = ServicePrincipal | UserPrincipal;

/** A service calling with an API key. */
export interface ServicePrincipal {
  kind: 'service';
  /** The key's id, or `admin` for the configured bootstrap key. */
  key_id: string;
  scopes: readonly string[];
  /** The tenant the request acts in. */
  tenant_id: string;
  /**
   * Whether the key belongs to that tenant (and may act in no other); false for keys bound
   * to no tenant and the admin key, which name a tenant with X-Tenant-ID.
   */
  tenant_bound: boolean;
}

/** An end user calling with a JWT. */
export interface UserPrincipal {
  kind: 'user';
  user_id: string;
  tenant_id: string;
  /** Token expiry, epoch ms; null when the token has none. */
  expires_at: number | null;
  /**
   * Named channels the token lets the user subscribe to (its `channels` claim): exact names,
   * or a prefix ending in `*`; `["*"]` allows every channel of the tenant.
   */
  channels: readonly string[];
  /** The token's `roles` claim: rate-limit rules and bypasses may match on them. */
  roles: readonly string[];
  /**
   * The token's `scopes` claim (a list, or OAuth's space-separated `scope`): API scopes the
   * user's sessions hold, e.g. `analytics:read` for `metrics:*` streams over the WebSocket.
   */
  scopes: readonly string[];
}
