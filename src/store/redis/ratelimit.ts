import { normalQuota, penaltyQuota } from '../../ratelimit/algorithms/quota.js';
import type { Algorithm, Decision, LimitSpec, RateLimitStore } from '../../ratelimit/spec.js';
import type { RedisHandle } from './handle.js';
import { RATELIMIT } from './lua/ratelimit.js';

/** The algorithm's number in the packed limit (lua/ratelimit.ts). */
const ALGORITHM_CODES: Readonly<Record<Algorithm, number>> = {
  sliding_window: 1,
  token_bucket: 2,
  fixed_window: 3,
};

/**
 * Limiter state in Redis: a string per key (`rl:{key}`) with a TTL until it may be forgotten.
 * Each decision is one call of a Lua function, so one round trip and atomic: nodes sharing
 * the Redis enforce one limit. Redis forgets expired states by their TTL, so there is
 * nothing for purgeExpired to do.
 */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(private readonly h: RedisHandle) {}

  consume: RateLimitStore['consume'] = (key, spec, cost, now, options) => {
    return this.h.run((client) =>
      RATELIMIT.callBuffer(
        client,
        'consume',
        [this.h.names.name('rl', key)],
        [packSpec(spec), cost, now, options?.dryRun ? '1' : '0'],
      ).then((reply) => toDecision(reply as Buffer, spec)),
    );
  };

  /** One call of the Lua function for the batch: one round trip, the keys decided in turn. */
  consumeMany: RateLimitStore['consumeMany'] = (requests) => {
    if (requests.length === 0) return Promise.resolve([]);
    const keys: string[] = [];
    const args: Array<Buffer | number | string> = [];
    const packed = new Map<LimitSpec, Buffer>();
    for (const r of requests) {
      keys.push(this.h.names.name('rl', r.key));
      let spec = packed.get(r.spec);
      if (!spec) {
        spec = packSpec(r.spec);
        packed.set(r.spec, spec);
      }
      args.push(spec, r.cost, r.now, r.dryRun ? '1' : '0');
    }
    return this.h.run((client) =>
      RATELIMIT.callBuffer(client, 'consume_many', keys, args).then((reply) =>
        requests.map((r, i) =>
          toDecision((reply as Buffer).subarray(i * REPLY_BYTES, (i + 1) * REPLY_BYTES), r.spec),
        ),
      ),
    );
  };

  reset(key: string): Promise<void> {
    return this.h.run(async (client) => {
      await client.del(this.h.names.name('rl', key));
    });
  }

  /** Redis forgets each state when its TTL (its expiry) runs out: nothing is left to purge. */
  purgeExpired(_now: number): Promise<number> {
    return Promise.resolve(0);
  }
}

/** A limit as the Lua function takes it: twelve little-endian doubles (lua/ratelimit.ts). */
function packSpec(spec: LimitSpec): Buffer {
  const normal = normalQuota(spec);
  const penalised = penaltyQuota(spec, normal);
  const { burst, penalty } = spec;
  const values = [
    ALGORITHM_CODES[spec.algorithm],
    normal.limit,
    normal.windowMs,
    normal.refillPerMs,
    normal.initialTokens,
    penalised.limit,
    penalised.refillPerMs,
    penalised.initialTokens,
    penalty ? penalty.duration_seconds * 1000 : -1,
    burst ? burst.max_burst : -1,
    burst ? burst.burst_window_seconds * 1000 : 0,
    burst ? burst.cooldown_seconds * 1000 : 0,
  ];
  const packed = Buffer.allocUnsafe(values.length * 8);
  for (const [i, v] of values.entries()) packed.writeDoubleLE(v, i * 8);
  return packed;
}

/** The size of one decision's reply: eleven doubles. */
const REPLY_BYTES = 11 * 8;

/** The function's reply (eleven little-endian doubles) as a Decision. */
function toDecision(reply: Buffer, spec: LimitSpec): Decision {
  const n = (i: number) => reply.readDoubleLE(i * 8);
  const decision: Decision = {
    allowed: n(0) === 1,
    limit: n(1),
    remaining: n(2),
    used: n(3),
    reset_at: n(4),
    retry_after_ms: n(5),
  };
  if (spec.burst) {
    decision.burst = {
      remaining: n(6),
      total: spec.burst.max_burst,
      used_now: n(7) === 1,
      cooldown_until: n(8) > 0 ? n(8) : null,
    };
  }
  if (spec.penalty) decision.penalty = { until: n(9) > 0 ? n(9) : null, entered: n(10) === 1 };
  return decision;
}
