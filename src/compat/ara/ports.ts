/** What the Ara door reads from the real-time gateway (which implements it). */
import type { SessionInfo } from '../../notifications/user-channel.js';

export type { SessionInfo };

export interface GatewaySessions {
  /** Sessions on this node a broadcast to the tenant reaches. */
  reachTenant(tenantId: string): number;
  /** Sessions on this node subscribed to the tenant's channel. */
  reachChannel(tenantId: string, channel: string): number;
  /** Every open authenticated session on this node. */
  describe(): SessionInfo[];
}
