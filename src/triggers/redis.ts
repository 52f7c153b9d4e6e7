import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ioredis } from '../redis/load.js';
import type { TriggerActions, TriggerResult } from './actions.js';
import { type ChannelPlan, isFirstMatch, planChannels } from './channels.js';
import { TriggerLease } from './lease.js';
import { parseTrigger } from './payload.js';

/** How much of a refused message a log line shows. */
const LOGGED_PAYLOAD_CHARS = 256;

export interface RedisTriggerOptions {
  url: string;
  /** Channel names and patterns, as `triggers.redis.channels`. */
  channels: readonly string[];
  actions: TriggerActions;
  /** `notifyd_redis_triggers_total`, by result. */
  counted: Counter<'result'>;
  logger: Logger;
  clock: Clock;
  /** In cluster mode: act only while this node holds the lease; null acts always. */
  lease: { prefix: string; owner: string; ttlMs: number } | null;
}

/**
 * Listens on Redis pub/sub for triggers in the Ara notification service's format and acts
 * on each: a notification per user, or a live message to a tenant or channels. Triggers
 * are handled one at a time, in the order Redis delivered them. A Redis that is away does
 * not stop notifyd: ioredis reconnects and subscribes again, and what was published
 * meanwhile is missed (pub/sub keeps nothing).
 */
export class RedisTriggers {
  private readonly plan: ChannelPlan;
  private readonly subscriber: Redis;
  /** Subscribed connections cannot run other commands: the lease needs its own. */
  private readonly commands: Redis | null;
  private readonly lease: TriggerLease | null;
  private subscribed: Promise<void> | null = null;
  private queue: Promise<void> = Promise.resolve();
  private wasReady = false;
  private warnedAt = 0;

  constructor(private readonly opts: RedisTriggerOptions) {
    this.plan = planChannels(opts.channels);
    // Commands wait for a connection however long it takes: a subscribe must not be
    // dropped while Redis is away at start.
    const redisOptions = { maxRetriesPerRequest: null, lazyConnect: true };
    this.subscriber = new (ioredis().Redis)(opts.url, redisOptions);
    this.commands = opts.lease
      ? new (ioredis().Redis)(opts.url, { ...redisOptions, maxRetriesPerRequest: 1 })
      : null;
    this.lease =
      opts.lease && this.commands
        ? new TriggerLease({
            client: this.commands,
            ...opts.lease,
            clock: opts.clock,
            logger: opts.logger,
            eligible: () => this.subscriber.status === 'ready',
          })
        : null;
  }

  /** Connects and subscribes in the background; never throws, whether Redis is there or not. */
  start(): void {
    const { logger } = this.opts;
    const where = { channels: [...this.plan.names, ...this.plan.patterns] };
    this.subscriber.on('ready', () => {
      logger.info(
        where,
        this.wasReady ? 'Redis triggers: reconnected' : 'Redis triggers: listening',
      );
      this.wasReady = true;
    });
    this.subscriber.on('close', () => {
      if (this.wasReady) logger.warn('Redis triggers: disconnected; reconnecting');
      this.wasReady = false;
    });
    for (const client of [this.subscriber, this.commands]) {
      client?.on('error', (err) => this.warn(err));
    }
    this.subscriber.on('message', (channel: string, raw: string) =>
      this.receive(channel, null, raw),
    );
    this.subscriber.on('pmessage', (pattern: string, channel: string, raw: string) =>
      this.receive(channel, pattern, raw),
    );
    // The subscribe commands connect the subscriber (lazily) and wait for it.
    this.subscribed = this.subscribeAll();
    this.subscribed.catch(() => {});
    this.commands?.connect().catch(() => {});
    this.lease?.start();
  }

  /** Resolves once every channel and pattern is subscribed (for tests and readiness). */
  whenSubscribed(): Promise<void> {
    return this.subscribed ?? Promise.reject(new Error('the Redis triggers were not started'));
  }

  /** Whether this node acts on the triggers it hears (always, unless in a cluster). */
  get acting(): boolean {
    return this.lease ? this.lease.held : true;
  }

  /** Stops listening, gives the lease back, and lets the trigger being handled finish. */
  async close(): Promise<void> {
    await this.lease?.stop();
    this.subscriber.disconnect();
    await this.queue;
    await this.commands?.quit().catch(() => this.commands?.disconnect());
  }

  private async subscribeAll(): Promise<void> {
    const { names, patterns } = this.plan;
    await Promise.all([
      names.length > 0 ? this.subscriber.subscribe(...names) : null,
      patterns.length > 0 ? this.subscriber.psubscribe(...patterns) : null,
    ]);
  }

  private receive(channel: string, pattern: string | null, raw: string): void {
    if (!isFirstMatch(this.plan, channel, pattern)) return;
    // Every node hears every message; only the lease holder acts on it.
    if (this.lease && !this.lease.held) return;
    this.queue = this.queue.then(() => this.handle(channel, raw));
  }

  private async handle(channel: string, raw: string): Promise<void> {
    let result: TriggerResult = 'accepted';
    try {
      await this.opts.actions.apply(parseTrigger(raw));
    } catch (err) {
      const invalid = err instanceof NotifydError && err.status < 500;
      result = invalid ? 'invalid' : 'failed';
      const fields = { channel, payload: truncate(raw), err };
      if (invalid) this.opts.logger.warn(fields, `Redis trigger dropped: ${err.message}`);
      else this.opts.logger.error(fields, 'Redis trigger failed');
    }
    this.opts.counted.inc({ result });
  }

  /** Logs a connection problem at most every 10 s: ioredis retries every second or two. */
  private warn(err: unknown): void {
    const now = this.opts.clock.now();
    if (now - this.warnedAt < 10_000) return;
    this.warnedAt = now;
    this.opts.logger.warn({ err }, 'Redis triggers: cannot reach Redis; retrying');
  }
}

function truncate(raw: string): string {
  return raw.length <= LOGGED_PAYLOAD_CHARS ? raw : `${raw.slice(0, LOGGED_PAYLOAD_CHARS)}…`;
}
