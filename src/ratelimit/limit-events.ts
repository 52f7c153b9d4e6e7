import type { EventSink } from '../events/catalogue.js';
import type { LimitEventType } from './events.js';
import type { ResolvedLimit } from './resolver.js';
import type { Decision } from './spec.js';

/** Where limit events go: notifyd's event bus (and so its outgoing webhooks). */
export type LimitEventSink = EventSink<LimitEventType>;

/** Keys whose event state is remembered; the least recently seen are forgotten first. */
const CAPACITY = 50_000;

interface KeyState {
  /** The window (its reset time) in which `limit_approached` / `limit_exceeded` were last sent. */
  approachedFor: number;
  exceededFor: number;
  /** Penalised until this time; null when not in the penalty box. */
  penaltyUntil: number | null;
}

/**
 * Turns decisions into events, once per key and window rather than once per request:
 * `ratelimit.limit_approached` when a key crosses the configured share of its limit,
 * `ratelimit.limit_exceeded` on its first refusal in a window, `ratelimit.burst_used` when a
 * request draws on the burst allowance, `ratelimit.penalty_box_entered|exited`. A node
 * reports what it decided; with several nodes each may report a key once.
 */
export class LimitEvents {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly sink: LimitEventSink,
    private readonly approachShare: number,
  ) {}

  observe(tenantId: string, limit: ResolvedLimit, decision: Decision, cost: number): void {
    // Most decisions raise nothing and change nothing: leave before building anything.
    const threshold = decision.limit * this.approachShare;
    if (
      decision.allowed &&
      decision.used < threshold &&
      !decision.burst?.used_now &&
      decision.penalty?.until == null &&
      !this.keys.has(limit.key)
    ) {
      return;
    }
    const state = this.stateOf(limit.key);
    const base = {
      key: limit.key,
      scope: limit.scope,
      policy: limit.policy.name,
      policy_id: limit.policy.id,
      rule_id: limit.rule?.id ?? null,
      limit: decision.limit,
      remaining: decision.remaining,
      reset_at: new Date(decision.reset_at).toISOString(),
    };
    const before = decision.allowed ? decision.used - cost : decision.used;
    if (
      decision.allowed &&
      before < threshold &&
      decision.used >= threshold &&
      state.approachedFor !== decision.reset_at
    ) {
      state.approachedFor = decision.reset_at;
      this.sink('ratelimit.limit_approached', tenantId, { ...base, share: this.approachShare });
    }
    if (!decision.allowed && state.exceededFor !== decision.reset_at) {
      state.exceededFor = decision.reset_at;
      this.sink('ratelimit.limit_exceeded', tenantId, {
        ...base,
        retry_after_seconds: Math.ceil(decision.retry_after_ms / 1000),
      });
    }
    if (decision.burst?.used_now) {
      this.sink('ratelimit.burst_used', tenantId, {
        ...base,
        burst_remaining: decision.burst.remaining,
        burst_total: decision.burst.total,
      });
    }
    const until = decision.penalty?.until ?? null;
    if (decision.penalty?.entered) {
      this.sink('ratelimit.penalty_box_entered', tenantId, {
        ...base,
        until: until === null ? null : new Date(until).toISOString(),
      });
    } else if (state.penaltyUntil !== null && until === null) {
      this.sink('ratelimit.penalty_box_exited', tenantId, base);
    }
    state.penaltyUntil = until;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (state) {
      this.keys.delete(key);
    } else {
      state = { approachedFor: -1, exceededFor: -1, penaltyUntil: null };
      if (this.keys.size >= CAPACITY) this.keys.delete(this.keys.keys().next().value!);
    }
    this.keys.set(key, state);
    return state;
  }
}
