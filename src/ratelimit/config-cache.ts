import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ObjectStore } from '../store/types.js';
import { RATELIMIT_KINDS } from './objects.js';
import {
  type RequestContext,
  type Resolution,
  type ResolverOptions,
  resolveLimits,
} from './resolver.js';
import { RateLimitSnapshot } from './snapshot.js';

/**
 * Keeps the loaded rate-limit configuration. A request is answered from the snapshot in
 * hand; once it is `ttlMs` old, one background check of the store's revision decides
 * whether to reload, so changes made on another node apply within about `ttlMs`. Changes
 * made through this node call `invalidate()` and apply to the next request.
 */
export class RateLimitConfigCache {
  private current: RateLimitSnapshot | null = null;
  private checkedAt = 0;
  private loading: Promise<RateLimitSnapshot> | null = null;
  private stale = false;
  /** Moves on invalidate(), so that a load begun before a change never wins over one after. */
  private generation = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly logger?: Logger,
  ) {}

  /** The snapshot to answer with; waits only for the first load or after invalidate(). */
  async snapshot(): Promise<RateLimitSnapshot> {
    if (this.current === null || this.stale) return this.reload();
    if (this.clock.now() - this.checkedAt >= this.ttlMs && this.loading === null) {
      void this.refresh().catch((err: unknown) => {
        // Keep answering from the snapshot in hand; the next request tries again.
        this.logger?.warn({ err }, 'rate-limit configuration: cannot check for changes');
      });
    }
    return this.current;
  }

  /** Resolves a request against the current snapshot. */
  async resolve(ctx: RequestContext, options: ResolverOptions): Promise<Resolution> {
    return resolveLimits(await this.snapshot(), ctx, this.clock.now(), options);
  }

  /** The next snapshot() reloads first (after a change made through this node). */
  invalidate(): void {
    this.stale = true;
    this.generation++;
    this.loading = null;
  }

  private async refresh(): Promise<void> {
    this.checkedAt = this.clock.now();
    const revision = await this.store.revision(RATELIMIT_KINDS);
    if (revision !== this.current?.revision) await this.reload();
  }

  private reload(): Promise<RateLimitSnapshot> {
    if (this.loading) return this.loading;
    const generation = this.generation;
    let load: Promise<RateLimitSnapshot> | null = null;
    load = (async () => {
      this.stale = false;
      this.checkedAt = this.clock.now();
      try {
        const loaded = await RateLimitSnapshot.load(this.store);
        if (generation === this.generation) this.current = loaded;
        return this.current ?? loaded;
      } catch (err) {
        if (generation === this.generation) this.stale = true;
        throw err;
      } finally {
        if (this.loading === load) this.loading = null;
      }
    })();
    this.loading = load;
    return load;
  }
}
