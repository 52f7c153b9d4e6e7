import { normalQuota, penaltyQuota } from '../../ratelimit/algorithms/quota.js';
import type { Decision, LimitSpec, RateLimitStore } from '../../ratelimit/spec.js';
import type { RedisHandle } from './handle.js';
import { CONSUME, PURGE_RATELIMIT, RESET } from './lua/ratelimit.js';
import type { ScriptArg } from './script.js';

/** Index entries one purge script looks at. */
const PURGE_CHUNK = 500;

/**
 * Limiter state in Redis: a string per key (`rl:{key}`) with a TTL until it may be forgotten,
 * and an expiry index (`rl-exp`) for purgeExpired. Each decision is one script, so one round
 * trip and atomic: nodes sharing the Redis enforce one limit.
 */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(private readonly h: RedisHandle) {}

  consume(
    key: string,
    spec: LimitSpec,
    cost: number,
    now: number,
    options?: { dryRun?: boolean },
  ): Promise<Decision> {
    return this.h.run(async () => {
      const args = scriptArgs(key, spec, cost, now, options);
      const reply = (await CONSUME.runBuffer(this.h.client, this.h.names.prefix, args)) as Buffer;
      return toDecision(reply, spec);
    });
  }

  reset(key: string): Promise<void> {
    return this.h.run(async () => {
      await this.h.script(RESET, [key]);
    });
  }

  purgeExpired(now: number): Promise<number> {
    return this.h.run(async () => {
      let purged = 0;
      for (;;) {
        const [n, seen] = (await this.h.script(PURGE_RATELIMIT, [now, PURGE_CHUNK])) as [
          number,
          number,
        ];
        purged += n;
        // Every entry looked at was forgotten or scored past `now`: fewer than a chunk, done.
        if (seen < PURGE_CHUNK) return purged;
      }
    });
  }
}

/** The script's ARGV after the prefix (see lua/ratelimit.ts). */
function scriptArgs(
  key: string,
  spec: LimitSpec,
  cost: number,
  now: number,
  options?: { dryRun?: boolean },
): ScriptArg[] {
  const normal = normalQuota(spec);
  const penalised = penaltyQuota(spec, normal);
  const { burst, penalty } = spec;
  return [
    key,
    spec.algorithm,
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
    cost,
    now,
    options?.dryRun ? '1' : '0',
  ];
}

/** The script's reply (eleven little-endian doubles) as a Decision. */
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
