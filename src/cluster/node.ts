import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { UserChannel, UserMessage } from '../notifications/user-channel.js';
import { ioredis } from '../redis/load.js';
import { storeUnavailable } from '../store/errors.js';
import { ClusterRegistry, type NodeInfo, type UserLocation } from './registry.js';

export interface ClusterOptions {
  redisUrl: string;
  prefix: string;
  /** This node's id; empty picks `<hostname>-<pid>`. */
  nodeId: string;
  heartbeatMs: number;
  /** A node whose last heartbeat is older than this is dead. */
  nodeTtlMs: number;
  version: string;
  clock: Clock;
  logger: Logger;
}

/** The id a node goes by when none is configured. */
export const defaultNodeId = () => `${hostname()}-${process.pid}`;

/** This node's part of the cluster status. */
export interface ClusterStatus {
  enabled: boolean;
  node_id: string;
  nodes: NodeInfo[];
  healthy_nodes: number;
  total_connections: number;
}

/** A message on its way to the other nodes: for one user, a whole tenant, or a channel. */
interface Envelope {
  from: string;
  tenant: string;
  /** The user, when for one user. */
  user?: string;
  /** The channel, when for a channel's subscribers. */
  channel?: string;
  message: UserMessage;
}

/** The sessions of this node, as the cluster needs to know them. */
export interface LocalSessions extends UserChannel {
  /** Open sessions on this node. */
  readonly size: number;
}

/**
 * One node of a cluster sharing Redis. Messages for a user go to this node's sessions at
 * once and, through Redis pub/sub, to every other node's; each node hands them to its own
 * sessions of that user, so a user connected anywhere gets them once. A registry keeps
 * the live nodes (heartbeats with a TTL) and where each user is connected.
 */
export class ClusterNode implements UserChannel {
  readonly nodeId: string;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly registry: ClusterRegistry;
  private readonly channel: string;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | null = null;
  private local: LocalSessions | null = null;
  private warnedAt = 0;

  constructor(private readonly opts: ClusterOptions) {
    this.nodeId = opts.nodeId || defaultNodeId();
    // Fail fast while Redis is away instead of queueing without bound; ioredis reconnects
    // by itself and resubscribes.
    const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false };
    this.commands = new (ioredis().Redis)(opts.redisUrl, redisOptions);
    this.subscriber = new (ioredis().Redis)(opts.redisUrl, {
      ...redisOptions,
      enableOfflineQueue: true,
    });
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', (err) => this.warn(err, 'cluster Redis connection failed'));
    }
    this.registry = new ClusterRegistry(this.commands, opts.prefix, opts.nodeTtlMs);
    this.channel = `${opts.prefix}cluster:messages`;
    this.startedAt = opts.clock.now();
  }

  /** Joins the cluster: connects, subscribes, announces itself and keeps heartbeating. */
  async start(local: LocalSessions): Promise<void> {
    this.local = local;
    this.subscriber.on('message', (_channel, raw: string) => this.receive(raw));
    // A Redis that is down at start does not stop the node: it serves its own sessions,
    // warns, and joins when ioredis has reconnected (it resubscribes by itself).
    const joined = await Promise.all([
      this.commands.connect(),
      this.subscriber.connect().then(() => this.subscriber.subscribe(this.channel)),
    ]).then(
      () => true,
      (err: unknown) => {
        this.warn(err, `cannot reach Redis at start`);
        return false;
      },
    );
    if (!joined) void this.subscriber.subscribe(this.channel).catch(() => {});
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat(), this.opts.heartbeatMs);
    this.timer.unref();
    this.opts.logger.info({ node_id: this.nodeId }, `joined the cluster as ${this.nodeId}`);
  }

  publish(tenantId: string, userId: string, message: UserMessage): void {
    this.local?.publish(tenantId, userId, message);
    this.forward({ from: this.nodeId, tenant: tenantId, user: userId, message });
  }

  publishTenant(tenantId: string, message: UserMessage): void {
    this.local?.publishTenant(tenantId, message);
    this.forward({ from: this.nodeId, tenant: tenantId, message });
  }

  publishChannel(tenantId: string, channel: string, message: UserMessage): void {
    this.local?.publishChannel(tenantId, channel, message);
    this.forward({ from: this.nodeId, tenant: tenantId, channel, message });
  }

  /** Sends to the other nodes; this node's sessions already have it. */
  private forward(envelope: Envelope): void {
    this.commands
      .publish(this.channel, JSON.stringify(envelope))
      .catch((err: unknown) => this.warn(err, 'could not reach the other nodes'));
  }

  /** Counts a session of a user opening (+1) or closing (-1) on this node; never rejects. */
  async sessionChanged(tenantId: string, userId: string, delta: 1 | -1): Promise<void> {
    await this.registry
      .adjustPresence(tenantId, userId, this.nodeId, delta, this.opts.clock.now())
      .catch((err: unknown) => this.warn(err, 'could not record presence'));
  }

  /** The registry's view; STORE_UNAVAILABLE while Redis cannot be reached. */
  async status(): Promise<ClusterStatus> {
    const nodes = await this.liveNodes();
    const healthy = nodes.filter((n) => n.healthy);
    return {
      enabled: true,
      node_id: this.nodeId,
      nodes,
      healthy_nodes: healthy.length,
      total_connections: healthy.reduce((sum, n) => sum + n.connections, 0),
    };
  }

  /** The live nodes where a user has sessions, with how many. */
  async locate(tenantId: string, userId: string): Promise<UserLocation> {
    return (await this.presence(tenantId, userId)).location;
  }

  /** Where a user has sessions on live nodes, and when they last connected or left. */
  async presence(
    tenantId: string,
    userId: string,
  ): Promise<{ location: UserLocation; lastSeen: number | null }> {
    const nodes = await this.liveNodes();
    const alive = new Set(nodes.filter((n) => n.healthy).map((n) => n.node_id));
    return this.registry.presence(tenantId, userId, alive).catch((err: unknown) => {
      throw storeUnavailable(err);
    });
  }

  private liveNodes(): Promise<NodeInfo[]> {
    return this.registry.nodes(this.opts.clock.now()).catch((err: unknown) => {
      throw storeUnavailable(err);
    });
  }

  /** Leaves the cluster at once, rather than after the TTL, and disconnects. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.registry.leave(this.nodeId).catch(() => {});
    this.subscriber.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.registry.heartbeat(
        {
          id: this.nodeId,
          version: this.opts.version,
          startedAt: this.startedAt,
          connections: this.local?.size ?? 0,
        },
        this.opts.clock.now(),
      );
    } catch (err) {
      this.warn(err, 'cluster heartbeat failed');
    }
  }

  private receive(raw: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    const { from, tenant, user, channel, message } = envelope;
    if (from === this.nodeId || !this.local) return;
    if (user !== undefined) this.local.publish(tenant, user, message);
    else if (channel !== undefined) this.local.publishChannel(tenant, channel, message);
    else this.local.publishTenant(tenant, message);
  }

  /** Logs a Redis problem at most every 10 s: while Redis is away it would repeat per message. */
  private warn(err: unknown, message: string): void {
    const now = Date.now();
    if (now - this.warnedAt < 10_000) return;
    this.warnedAt = now;
    this.opts.logger.warn({ err }, `${message}; in-app messages reach this node's sessions only`);
  }
}
