import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { keyName } from '../redis/key-names.js';
import { LuaScript } from '../redis/script.js';

/** ARGV: prefix, owner, ttl ms. Extends the lease if `owner` holds it; replies 1 if so. */
const RENEW = new LuaScript(`
local key = k('triggers', 'lease')
if redis.call('GET', key) == ARGV[2] then
  redis.call('PEXPIRE', key, ARGV[3])
  return 1
end
return 0
`);

/** ARGV: prefix, owner. Deletes the lease if `owner` holds it, so another node need not wait. */
const RELEASE = new LuaScript(`
local key = k('triggers', 'lease')
if redis.call('GET', key) == ARGV[2] then return redis.call('DEL', key) end
return 0
`);

export interface LeaseOptions {
  client: Redis;
  prefix: string;
  /** Who holds it: the node id. */
  owner: string;
  ttlMs: number;
  clock: Clock;
  logger: Logger;
  /** Whether this node may hold the lease now (e.g. it is subscribed). */
  eligible: () => boolean;
}

/**
 * One Redis key that at most one node holds at a time (`{prefix}triggers:lease`, SET NX PX),
 * renewed every third of its TTL. A holder that cannot renew stops counting itself holder a
 * little before the key expires, so two nodes never both think they hold it; the others try
 * to take it at every renewal tick and succeed once it expired or was released.
 */
export class TriggerLease {
  private readonly key: string;
  /** Local time until which this node holds the lease; 0 when it does not. */
  private heldUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LeaseOptions) {
    this.key = keyName(opts.prefix, 'triggers', 'lease');
  }

  /** Whether this node should act on triggers now. */
  get held(): boolean {
    return this.opts.clock.now() < this.heldUntil;
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(this.opts.ttlMs / 3)));
    this.timer.unref();
  }

  /** Stops renewing and gives the lease back at once, so a standby takes over sooner. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    if (this.heldUntil === 0) return;
    this.heldUntil = 0;
    await RELEASE.run(this.opts.client, this.opts.prefix, [this.opts.owner]).catch(() => {});
  }

  private tick(): void {
    this.ticking = this.ticking.then(() => this.renewOrAcquire());
  }

  private async renewOrAcquire(): Promise<void> {
    const { client, prefix, owner, ttlMs, clock, logger } = this.opts;
    const was = this.held;
    const askedAt = clock.now();
    try {
      let got: boolean;
      if (!this.opts.eligible()) {
        // Deaf to triggers (the subscriber is away): let a node that hears them take over.
        if (was) await RELEASE.run(client, prefix, [owner]);
        got = false;
      } else if (was) got = (await RENEW.run(client, prefix, [owner, ttlMs])) === 1;
      else got = (await client.set(this.key, owner, 'PX', ttlMs, 'NX')) === 'OK';
      // Counted from before the request, less a margin for clock drift between us and Redis.
      this.heldUntil = got ? askedAt + ttlMs - Math.min(1000, ttlMs / 10) : 0;
    } catch (err) {
      // Keep the local deadline: the key may still be ours until then.
      logger.debug({ err }, 'could not renew the trigger lease');
    }
    if (!was && this.held) logger.info({ owner }, 'this node now acts on Redis triggers');
    if (was && !this.held) logger.warn({ owner }, 'this node no longer acts on Redis triggers');
  }
}
