import type { Clock } from '../core/clock.js';
import type { ClusterStatus } from './node.js';
import type { UserLocation } from './registry.js';

/** What the cluster routes show, clustered or not. */
export interface ClusterView {
  status(): Promise<ClusterStatus>;
  /** The nodes where a user has sessions, with how many on each. */
  locate(tenantId: string, userId: string): Promise<UserLocation>;
}

/** The sessions of this node, by user. */
export interface NodeSessions {
  readonly size: number;
  sessionsOf(tenantId: string, userId: string): number;
}

/** A node that is not part of a cluster: the only node there is. */
export function standaloneView(
  sessions: NodeSessions,
  node: { id: string; version: string; startedAt: number },
  clock: Clock,
): ClusterView {
  return {
    async status() {
      const now = new Date(clock.now()).toISOString();
      return {
        enabled: false,
        node_id: node.id,
        nodes: [
          {
            node_id: node.id,
            version: node.version,
            started_at: new Date(node.startedAt).toISOString(),
            last_heartbeat: now,
            connections: sessions.size,
            healthy: true,
          },
        ],
        healthy_nodes: 1,
        total_connections: sessions.size,
      };
    },
    async locate(tenantId, userId) {
      const n = sessions.sessionsOf(tenantId, userId);
      return n > 0 ? { [node.id]: n } : {};
    },
  };
}
