import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { UserChannel } from '../notifications/user-channel.js';
import { VERSION } from '../version.js';
import { ClusterNode, defaultNodeId, type LocalSessions } from './node.js';
import { clusterRoutes } from './routes.js';
import { type ClusterView, type NodeSessions, standaloneView } from './view.js';

/** `cluster.*`, and the Redis every node shares (`store.redis`). */
export type ClusterModuleOptions = Config['cluster'] & { redis: Config['store']['redis'] };

/** The cluster module's options, from the configuration. */
export const clusterOptions = (c: Config): ClusterModuleOptions => ({
  ...c.cluster,
  redis: c.store.redis,
});

export interface ClusterServices {
  /** This node in the cluster; null when it runs alone. */
  node: ClusterNode | null;
  /** Where messages for users go: every node's sessions in a cluster, else this node's. */
  users: UserChannel;
  view: ClusterView;
}

/** Cluster mode: the node registry and cross-node routing over Redis, or a node alone. */
export function createClusterModule(
  ctx: ModuleContext<ClusterModuleOptions, { local: LocalSessions & NodeSessions }>,
): NotifydModule<ClusterServices> {
  const { options, clock, logger } = ctx;
  const { local } = ctx.services;
  const node = options.enabled
    ? new ClusterNode({
        redisUrl: options.redis.url,
        prefix: options.redis.prefix,
        nodeId: options.node_id,
        heartbeatMs: options.heartbeat_interval_ms,
        nodeTtlMs: options.node_ttl_ms,
        version: VERSION,
        clock,
        logger,
      })
    : null;
  const view =
    node ??
    standaloneView(local, { id: defaultNodeId(), version: VERSION, startedAt: clock.now() }, clock);
  return {
    name: 'cluster',
    services: { node, users: node ?? local, view },
    routes: clusterRoutes(view),
    start: () => node?.start(local),
    stop: () => node?.close(),
  };
}
