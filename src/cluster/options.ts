/** Cluster options (cluster.*): running as one node of several. */
import { defineOptions, type OptionCheck, type SectionOf } from '../core/option-spec.js';
import { BACKEND_NAMES, type StoreBackend, traitsOf } from '../store/backends.js';

/** Node identity and the registry heartbeat. */
export const CLUSTER_OPTIONS = defineOptions([
  {
    path: 'cluster.enabled',
    type: 'boolean',
    default: false,
    doc: 'Run as one node of several sharing store.redis.url: in-app messages reach a user on any node, and nodes register themselves (GET /api/v1/cluster/status). Use a shared durable store (postgres or redis) with it.',
  },
  {
    path: 'cluster.node_id',
    type: 'string',
    default: '',
    doc: "This node's name in the cluster; empty uses <hostname>-<pid>.",
  },
  {
    path: 'cluster.heartbeat_interval_ms',
    type: 'integer',
    default: 5000,
    min: 100,
    max: 600000,
    doc: 'How often a node tells the registry it is alive.',
  },
  {
    path: 'cluster.node_ttl_ms',
    type: 'integer',
    default: 15000,
    min: 300,
    max: 3600000,
    doc: 'A node that has not sent a heartbeat for this long is dropped from the registry.',
  },
]);

/** Cluster settings as loaded: `cluster.*`. */
export type ClusterOptions = SectionOf<typeof CLUSTER_OPTIONS, 'cluster'>;

/** The backends several nodes can share, as the fix in a message names them. */
const SHARED_BACKENDS = BACKEND_NAMES.filter((b) => traitsOf(b).shared).join(' or ');

/** Nodes must share their store, and a live node must not look dead between heartbeats. */
export const checkClusterOptions: OptionCheck<{
  cluster: ClusterOptions;
  store: { backend: StoreBackend };
}> = ({ cluster, store }, report) => {
  if (cluster.enabled && !traitsOf(store.backend).shared) {
    report(
      'cluster.enabled',
      true,
      `needs a store every node shares, not ${store.backend}; set store.backend to ${SHARED_BACKENDS}`,
    );
  }
  if (cluster.node_ttl_ms < 2 * cluster.heartbeat_interval_ms) {
    report(
      'cluster.node_ttl_ms',
      cluster.node_ttl_ms,
      `must be at least twice cluster.heartbeat_interval_ms (${cluster.heartbeat_interval_ms}), or a live node would look dead between heartbeats`,
    );
  }
};
