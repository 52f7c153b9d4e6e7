import { Type } from '@sinclair/typebox';
import { answers } from '../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../http/route.js';
import type { ClusterView } from './view.js';

const NODE_WIDE =
  "every tenant's sessions: omitted for a tenant-bound key, which sees only its own tenant";

const NodeView = Type.Object({
  node_id: Type.String(),
  version: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  last_heartbeat: Type.String({ format: 'date-time' }),
  connections: Type.Optional(Type.Integer({ description: NODE_WIDE })),
  healthy: Type.Boolean(),
});

const StatusView = Type.Object({
  enabled: Type.Boolean({ description: 'false when this node runs alone' }),
  node_id: Type.String({ description: 'the node that answered' }),
  nodes: Type.Array(NodeView),
  healthy_nodes: Type.Integer(),
  total_connections: Type.Optional(Type.Integer({ description: NODE_WIDE })),
});

const UserView = Type.Object({
  user_id: Type.String(),
  tenant_id: Type.String(),
  online: Type.Boolean(),
  connections: Type.Integer(),
  nodes: Type.Record(Type.String(), Type.Integer(), {
    description: 'node id → open sessions of the user there',
  }),
});

/** Where the nodes and the users' sessions are; needs `notifications:admin`. */
export function clusterRoutes(cluster: ClusterView): AnyRoute[] {
  const clusterRoute = routeGroup('cluster', { kind: 'key', scope: 'notifications:admin' });
  return [
    clusterRoute({
      method: 'GET',
      path: '/api/v1/cluster/status',
      summary: 'This node, every live node, and their connections',
      responses: answers(200, 'The cluster.', StatusView, [401, 403]),
      async handler(ctx) {
        const status = await cluster.status();
        if (!serviceOf(ctx).tenant_bound) return { status: 200, body: status };
        // Sessions are counted per node, not per tenant: a tenant's key sees the nodes only.
        const { total_connections: _, nodes, ...rest } = status;
        const tenantNodes = nodes.map(({ connections: __, ...node }) => node);
        return { status: 200, body: { ...rest, nodes: tenantNodes } };
      },
    }),
    clusterRoute({
      method: 'GET',
      path: '/api/v1/cluster/users/:id',
      summary: "Where a user is connected (in the caller's tenant)",
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
      responses: answers(200, 'The user.', UserView, [401, 403]),
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const nodes = await cluster.locate(tenant_id, ctx.params.id);
        const connections = Object.values(nodes).reduce((a, b) => a + b, 0);
        return {
          status: 200,
          body: {
            user_id: ctx.params.id,
            tenant_id,
            online: connections > 0,
            connections,
            nodes,
          },
        };
      },
    }),
  ];
}
