/**
 * Per-user channel caps: at most so many deliveries per user, channel and window (by default
 * 10 push and 100 in-app per hour, 20 email per day; per category and per tenant in config).
 * A delivery past its window's cap is deferred to the start of the next window with room;
 * `urgent` ones bypass the cap (and are not counted). Counting goes through the rate-limit
 * store (`store.ratelimit`, fixed windows aligned to the epoch: whole UTC hours and days), one
 * key per user, channel, rule and window, so several nodes sharing the store count together.
 *
 * What is deferred is bounded: the deliveries already booked in later windows of the same
 * user, channel and rule may not exceed `max_deferred`; past it the send is refused with 429
 * USER_CAP_EXCEEDED (a user flooded that much would only get a backlog nobody reads).
 */
import { NotifydError } from '../core/errors.js';
import type { LimitSpec, RateLimitStore } from '../ratelimit/spec.js';
import type { Priority } from './records.js';
import type { Routed } from './routing.js';

/** One cap as configured. */
export interface CapRule {
  channel: string;
  /** Deliveries allowed per window; 0: no cap. */
  max: number;
  window: 'hour' | 'day';
  /** Only this category's sends (counted apart from the channel's other sends). */
  category?: string;
  /** Only this tenant's sends. */
  tenant?: string;
}

/** The caps' settings as loaded (`notifications.caps.*`). */
export interface CapSettings {
  enabled: boolean;
  push_per_hour: number;
  in_app_per_hour: number;
  email_per_day: number;
  max_deferred: number;
  overrides: CapRule[];
}

const WINDOW_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** The defaults as rules, least specific. */
function defaults(s: CapSettings): CapRule[] {
  return [
    { channel: 'push', max: s.push_per_hour, window: 'hour' },
    { channel: 'in_app', max: s.in_app_per_hour, window: 'hour' },
    { channel: 'email', max: s.email_per_day, window: 'day' },
  ];
}

/** How specific a rule is: tenant and category beat tenant, which beats category. */
const rank = (r: CapRule) => (r.tenant ? 2 : 0) + (r.category ? 1 : 0);

export interface CapQuery {
  tenantId: string;
  recipientId: string;
  category: string;
  priority: Priority;
  now: number;
}

/** One send's channels to count against their caps (applyMany). */
export interface CapSend {
  q: CapQuery;
  routed: Routed[];
}

/** A routed channel that delivers (the ones caps count). */
type Delivering = Extract<Routed, { deliver: true }>;

/** A capped channel of one send of applyMany(): its place, rule and due time. */
interface Ask {
  send: number;
  index: number;
  q: CapQuery;
  rule: CapRule;
  due: number;
}

export class UserCaps {
  private readonly rules: CapRule[];

  /**
   * `inAppDeferrable`: false without a scheduler to release deferred in-app notifications;
   * in-app sends are then not capped.
   */
  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: CapSettings,
    private readonly inAppDeferrable = true,
  ) {
    this.rules = [...settings.overrides].sort((a, b) => rank(b) - rank(a));
    this.rules.push(...defaults(settings));
  }

  /** The cap in force for a send on a channel: the most specific rule that matches, or null. */
  ruleFor(channel: string, tenantId: string, category: string): CapRule | null {
    const rule = this.rules.find(
      (r) =>
        r.channel === channel &&
        (r.tenant === undefined || r.tenant === tenantId) &&
        (r.category === undefined || r.category === category),
    );
    if (channel === 'in_app' && !this.inAppDeferrable) return null;
    return rule && rule.max > 0 ? rule : null;
  }

  /**
   * Counts each delivering channel against its cap and defers the ones past it: their
   * `defer_until` becomes the start of the first window with room. Throws USER_CAP_EXCEEDED
   * when that would defer more than `max_deferred` for one channel.
   */
  async apply(q: CapQuery, routed: Routed[]): Promise<Routed[]> {
    if (!this.settings.enabled || q.priority === 'urgent') return routed;
    const out: Routed[] = [];
    for (const r of routed) {
      const rule = r.deliver ? this.ruleFor(r.channel, q.tenantId, q.category) : null;
      if (!r.deliver || !rule) {
        out.push(r);
        continue;
      }
      const due = r.defer_until ?? q.now;
      const { spec, first, key } = this.counting(q, rule, due);
      const now = (await this.store.consume(key(first), spec, 1, due)).allowed;
      const at = now ? due : await this.later(q, rule, due);
      out.push({ ...r, defer_until: at === due ? r.defer_until : at });
    }
    return out;
  }

  /**
   * apply() for many sends (a page of a topic send) with one store call: every capped
   * channel's current window is counted at once. A channel refused there (its user past the
   * cap) then looks for a later window with calls of its own, as apply() does. Each send's
   * outcome is apart: one past `max_deferred` refuses that send alone. Rejects as a whole
   * only when the store cannot count.
   *
   * One difference from apply() on each send: a send refused with USER_CAP_EXCEEDED has had
   * all its other capped channels counted in their current window (apply() counts those
   * before the refused one only). It errs towards deferring that user's next sends a little
   * early, never towards sending past a cap.
   *
   * `inOrder` (a batch, whose items may share a user): the answers must be exactly those of
   * apply() on each send in turn. They are when each send has at most one capped channel and
   * the sends counting under one key count in one window (later() then only books windows
   * no current count touches, and it runs in send order per user); otherwise the sends go
   * through apply() one by one, in order.
   */
  async applyMany(
    sends: readonly CapSend[],
    opts: { inOrder?: boolean } = {},
  ): Promise<PromiseSettledResult<Routed[]>[]> {
    const asks: Ask[] = [];
    sends.forEach(({ q, routed }, send) => {
      if (!this.settings.enabled || q.priority === 'urgent') return;
      routed.forEach((r, index) => {
        if (!r.deliver) return;
        const rule = this.ruleFor(r.channel, q.tenantId, q.category);
        if (rule) asks.push({ send, index, q, rule, due: r.defer_until ?? q.now });
      });
    });
    const out = sends.map(({ routed }) => [...routed]);
    if (asks.length === 0) return out.map((value) => ({ status: 'fulfilled', value }));
    if (opts.inOrder && !this.countableAtOnce(asks)) {
      const one: PromiseSettledResult<Routed[]>[] = [];
      for (const { q, routed } of sends) {
        try {
          one.push({ status: 'fulfilled', value: await this.apply(q, routed) });
        } catch (reason) {
          one.push({ status: 'rejected', reason });
        }
      }
      return one;
    }
    const decisions = await this.store.consumeMany(
      asks.map(({ q, rule, due }) => {
        const { spec, first, key } = this.counting(q, rule, due);
        return { key: key(first), spec, cost: 1, now: due };
      }),
    );
    // The refused ones, one send at a time (its channels in order, as apply() goes); the
    // sends of one user in their order (they book the same later windows), users at once.
    const refused = new Map<number, Ask[]>();
    asks.forEach((ask, i) => {
      if (decisions[i]?.allowed) return;
      const list = refused.get(ask.send);
      if (list) list.push(ask);
      else refused.set(ask.send, [ask]);
    });
    const byUser = new Map<string, Array<[number, Ask[]]>>();
    for (const entry of refused) {
      const { q } = entry[1][0] as Ask;
      const user = `${q.tenantId}\u0000${q.recipientId}`;
      const list = byUser.get(user);
      if (list) list.push(entry);
      else byUser.set(user, [entry]);
    }
    const failed = new Map<number, unknown>();
    await Promise.all(
      [...byUser.values()].map(async (userSends) => {
        for (const [send, list] of userSends) {
          try {
            for (const ask of list) {
              const at = await this.later(ask.q, ask.rule, ask.due);
              const r = out[send]?.[ask.index] as Delivering;
              (out[send] as Routed[])[ask.index] = {
                ...r,
                defer_until: at === ask.due ? r.defer_until : at,
              };
            }
          } catch (err) {
            failed.set(send, err);
          }
        }
      }),
    );
    return out.map((value, send) =>
      failed.has(send)
        ? { status: 'rejected', reason: failed.get(send) }
        : { status: 'fulfilled', value },
    );
  }

  /**
   * Whether counting `asks` with one consumeMany() (then later() in send order per user)
   * answers as apply() on each send in turn: no send has two capped channels (a refused one
   * would have had the other counted), and the asks under one key family count in one window.
   */
  private countableAtOnce(asks: readonly Ask[]): boolean {
    const sends = new Set<number>();
    const windows = new Map<string, number>();
    for (const { send, q, rule, due } of asks) {
      if (sends.has(send)) return false;
      sends.add(send);
      const { key, first } = this.counting(q, rule, due);
      const family = key(0);
      const seen = windows.get(family);
      if (seen !== undefined && seen !== first) return false;
      windows.set(family, first);
    }
    return true;
  }

  /** How `rule` counts a delivery due at `due`: its limit, window and keys. */
  private counting(q: CapQuery, rule: CapRule, due: number) {
    const windowMs = WINDOW_MS[rule.window];
    const spec: LimitSpec = {
      algorithm: 'fixed_window',
      max_requests: rule.max,
      window_seconds: windowMs / 1000,
    };
    const scope = rule.category ?? '*';
    const key = (start: number) =>
      `cap:${q.tenantId}:${q.recipientId}:${rule.channel}:${scope}:${start}`;
    return { windowMs, spec, key, first: Math.floor(due / windowMs) * windowMs };
  }

  /**
   * The start of the first window after the one holding `due` with room under `rule`
   * (that one refused the delivery), counted there.
   */
  private async later(q: CapQuery, rule: CapRule, due: number): Promise<number> {
    const { windowMs, spec, key, first } = this.counting(q, rule, due);
    // Later windows, each counted under its own key at its start; `ahead`: booked before it.
    let ahead = 0;
    for (let start = first + windowMs; ; start += windowMs) {
      const seen = await this.store.consume(key(start), spec, 1, start, { dryRun: true });
      // A dry run that would be allowed counts the unit it would take.
      const booked = seen.allowed ? seen.used - 1 : seen.used;
      if (ahead + booked >= this.settings.max_deferred) throw this.full(q, rule, ahead + booked);
      const d = await this.store.consume(key(start), spec, 1, start);
      if (d.allowed) return start;
      ahead += d.used;
    }
  }

  private full(q: CapQuery, rule: CapRule, deferred: number): NotifydError {
    return new NotifydError(
      'USER_CAP_EXCEEDED',
      `${q.recipientId} had ${rule.max} ${rule.channel} per ${rule.window} and has ${deferred} deferred (at most ${this.settings.max_deferred}).`,
      {
        recipient_id: q.recipientId,
        channel: rule.channel,
        category: rule.category ?? null,
        max: rule.max,
        window: rule.window,
        deferred,
        max_deferred: this.settings.max_deferred,
      },
    );
  }
}
