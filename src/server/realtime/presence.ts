import type { ClusterNode } from '../../cluster/node.js';
import type { NodeSessions } from '../../cluster/view.js';
import type { Clock } from '../../core/clock.js';
import type { PresenceInfo, PresenceProbe } from '../../notifications/presence.js';
import type { UserChannel } from '../../notifications/user-channel.js';
import { presenceChannel } from './topics.js';

/** Users whose last-seen time a standalone node remembers; the oldest are forgotten first. */
const LAST_SEEN_CAPACITY = 100_000;

/**
 * Who is connected: on this node from its own sessions, across a cluster from the shared
 * registry. When a session opens or closes, the user's sessions that asked for presence
 * (`presence=true`) get a `presence` frame, so that one device knows about the others.
 * Routing reads it too (`isOnline`).
 */
export class Presence implements PresenceProbe {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly local: NodeSessions,
    private readonly cluster: ClusterNode | null,
    private readonly users: UserChannel,
    private readonly clock: Clock,
  ) {}

  /** A session of the user opened (+1) or closed (-1) on this node. */
  async changed(tenantId: string, userId: string, delta: 1 | -1): Promise<void> {
    this.remember(tenantId, userId);
    await this.cluster?.sessionChanged(tenantId, userId, delta);
    try {
      const info = await this.of(tenantId, userId);
      // The last session is gone: nobody is left to tell.
      if (info.connections === 0) return;
      this.users.publishChannel(tenantId, presenceChannel(userId), {
        type: 'presence',
        data: info,
      });
    } catch {
      // Without the registry there is no cluster-wide count to tell; the next change will.
    }
  }

  async of(tenantId: string, userId: string): Promise<PresenceInfo> {
    if (this.cluster) {
      const { location, lastSeen } = await this.cluster.presence(tenantId, userId);
      const connections = Object.values(location).reduce((a, b) => a + b, 0);
      return info(userId, connections, lastSeen);
    }
    const connections = this.local.sessionsOf(tenantId, userId);
    return info(userId, connections, this.lastSeen.get(key(tenantId, userId)) ?? null);
  }

  async isOnline(tenantId: string, userId: string): Promise<boolean> {
    if (!this.cluster) return this.local.sessionsOf(tenantId, userId) > 0;
    return (await this.of(tenantId, userId)).online;
  }

  private remember(tenantId: string, userId: string): void {
    const k = key(tenantId, userId);
    // Re-inserted, so the map's order is least recently seen first.
    this.lastSeen.delete(k);
    this.lastSeen.set(k, this.clock.now());
    if (this.lastSeen.size > LAST_SEEN_CAPACITY) {
      this.lastSeen.delete(this.lastSeen.keys().next().value!);
    }
  }
}

const key = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;

function info(userId: string, connections: number, lastSeen: number | null): PresenceInfo {
  return {
    user_id: userId,
    online: connections > 0,
    connections,
    last_seen: lastSeen === null ? null : new Date(lastSeen).toISOString(),
  };
}
