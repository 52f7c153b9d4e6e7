import type { Redis } from 'ioredis';

/** One node as the registry knows it. */
export interface NodeInfo {
  node_id: string;
  version: string;
  started_at: string;
  last_heartbeat: string;
  connections: number;
  /** Whether its last heartbeat is younger than the node TTL. */
  healthy: boolean;
}

/** Where one user is connected: node id → open sessions there. */
export type UserLocation = Record<string, number>;

/** The presence hash's field that holds when the user last opened or closed a session. */
const LAST_SEEN = '~last_seen';

/**
 * Adjusts one node's session count of a user and drops the field at zero, in one step, so
 * that two nodes updating the same user never lose a count; records the time as last seen.
 * KEYS[1] = presence hash, ARGV = node id, delta, TTL ms of the hash, now.
 */
const ADJUST_PRESENCE = `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[1], '${LAST_SEEN}', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return n
`;

/** Presence hashes outlive any session; a user gone this long is forgotten, last seen and all. */
const PRESENCE_TTL_MS = 30 * 24 * 3600_000;

/**
 * The cluster's shared registry in Redis: which nodes are alive (a sorted set scored by
 * last heartbeat, plus a hash per node that expires with its TTL) and where each user is
 * connected (a hash per user, node id → sessions). A node that dies stops heartbeating:
 * it drops out of listings after its TTL, and so do its users' sessions.
 */
export class ClusterRegistry {
  private readonly nodesKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {
    this.nodesKey = `${prefix}cluster:nodes`;
  }

  private nodeKey(id: string) {
    return `${this.prefix}cluster:node:${id}`;
  }

  private presenceKey(tenantId: string, userId: string) {
    return `${this.prefix}cluster:presence:${tenantId}:${userId}`;
  }

  /** Says this node is alive, with its session count; forgets nodes past their TTL. */
  async heartbeat(
    node: { id: string; version: string; startedAt: number; connections: number },
    now: number,
  ): Promise<void> {
    await this.redis
      .multi()
      .hset(this.nodeKey(node.id), {
        version: node.version,
        started_at: node.startedAt,
        connections: node.connections,
        last_heartbeat: now,
      })
      .pexpire(this.nodeKey(node.id), this.ttlMs)
      .zadd(this.nodesKey, now, node.id)
      .zremrangebyscore(this.nodesKey, '-inf', now - this.ttlMs)
      .exec();
  }

  /** Takes a node out at once (graceful shutdown). */
  async leave(nodeId: string): Promise<void> {
    await this.redis.multi().zrem(this.nodesKey, nodeId).del(this.nodeKey(nodeId)).exec();
  }

  /** Every node whose heartbeat is younger than the TTL, by id. */
  async nodes(now: number): Promise<NodeInfo[]> {
    const ids = await this.redis.zrangebyscore(this.nodesKey, now - this.ttlMs, '+inf');
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.nodeKey(id));
    const rows = (await pipeline.exec()) ?? [];
    const nodes: NodeInfo[] = [];
    for (const [i, id] of ids.entries()) {
      const h = rows[i]?.[1] as Record<string, string> | undefined;
      if (!h?.last_heartbeat) continue;
      const last = Number(h.last_heartbeat);
      nodes.push({
        node_id: id,
        version: h.version ?? '',
        started_at: new Date(Number(h.started_at)).toISOString(),
        last_heartbeat: new Date(last).toISOString(),
        connections: Number(h.connections ?? 0),
        healthy: now - last < this.ttlMs,
      });
    }
    return nodes.sort((a, b) => a.node_id.localeCompare(b.node_id));
  }

  /** Counts a session of a user opening (+1) or closing (-1) on a node. */
  async adjustPresence(
    tenantId: string,
    userId: string,
    nodeId: string,
    delta: 1 | -1,
    now: number,
  ) {
    await this.redis.eval(
      ADJUST_PRESENCE,
      1,
      this.presenceKey(tenantId, userId),
      nodeId,
      delta,
      PRESENCE_TTL_MS,
      now,
    );
  }

  /**
   * Where a user has sessions, on nodes that are alive, and when a session of theirs last
   * opened or closed (epoch ms; null if never, or forgotten).
   */
  async presence(
    tenantId: string,
    userId: string,
    alive: Set<string>,
  ): Promise<{ location: UserLocation; lastSeen: number | null }> {
    const all = await this.redis.hgetall(this.presenceKey(tenantId, userId));
    const location: UserLocation = {};
    for (const [node, count] of Object.entries(all)) {
      if (alive.has(node) && Number(count) > 0) location[node] = Number(count);
    }
    const seen = all[LAST_SEEN];
    return { location, lastSeen: seen === undefined ? null : Number(seen) };
  }
}
