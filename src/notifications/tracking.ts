import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { runPeriodically } from '../core/periodic.js';
import type { QueuedItem, Store } from '../store/types.js';
import type { TrackingOptions } from './options.js';
import type { PresenceProbe } from './presence.js';
import { newDelivery } from './records.js';
import type { NotificationView } from './schemas.js';

/** Queue names in the store's UserQueueStore. */
export const OFFLINE = 'offline';
export const ACKS = 'acks';

/** `realtime.queue` and `realtime.ack` of the configuration. */
export type TrackingSettings = TrackingOptions;

/** What `GET /api/v1/stats/acks` answers. */
export interface AckStats {
  /** Sent, not acknowledged, within the timeout. */
  pending: number;
  /** Acknowledged within the window. */
  acknowledged: number;
  /** Timed out unacknowledged within the window. */
  expired: number;
  /** Mean time from send to ack within the window; null when nothing was acknowledged. */
  average_ack_time_ms: number | null;
  window_days: number;
}

/** Where in-app deliveries are counted (analytics' tally, the bus: in-app-events.ts). */
export interface DeliveryCounter {
  /** An in-app notification reached an open session of its recipient. */
  delivered(tenantId: string, view: NotificationView): void;
}

export interface TrackingDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  presence: PresenceProbe;
  settings: TrackingSettings;
  /** Counts the offline queue's notifications a starting session is sent (asked when used). */
  delivered?: () => DeliveryCounter | null;
}

const DAY_MS = 86_400_000;
/** Daily stats buckets outlive the longest window that reads them. */
const STATS_TTL_MS = 32 * DAY_MS;
export const MAX_STATS_DAYS = 30;
/** Most items one session start replays from the queues. */
const REPLAY_LIMIT = 500;
const SWEEP_BATCH = 500;

const statsKey = (tenantId: string, day: number, field: string) =>
  `ackstats:${tenantId}:${day}:${field}`;

/**
 * The offline queue and ack tracking of in-app notifications. A notification for a user
 * with no session waits in the offline queue; one sent to a session is pending until acked.
 * A pending one that times out is counted expired, queued for the user's next session and
 * may queue a fallback delivery (e.g. push). Both are conveniences on top of the feed, which
 * keeps every notification whatever happens here: failures are logged, never raised to the
 * sender.
 */
export class DeliveryTracker {
  constructor(private readonly deps: TrackingDeps) {}

  get enabled(): boolean {
    const { queue, ack } = this.deps.settings;
    return queue.enabled || ack.enabled;
  }

  /** Once a notification is stored, before it is published live: queue it or track its ack. */
  async published(tenantId: string, view: NotificationView): Promise<void> {
    if (!this.enabled) return;
    const { presence, settings } = this.deps;
    try {
      const online = await presence.isOnline(tenantId, view.recipient_id);
      if (online && settings.ack.enabled) await this.track(tenantId, view.recipient_id, [view]);
      else if (!online && settings.queue.enabled) {
        await this.enqueue(tenantId, view.recipient_id, [view]);
      }
    } catch (err) {
      this.deps.logger.warn({ err, id: view.id }, 'could not queue or track a notification');
    }
  }

  /**
   * What a session of the user is sent when it starts: its offline queue and the
   * notifications still awaiting an ack (another session may not have acked them), lowest id
   * first, without those in `skip` (already replayed from the feed).
   */
  async replay(tenantId: string, userId: string, skip: Set<string>): Promise<NotificationView[]> {
    if (!this.enabled) return [];
    const { store, clock } = this.deps;
    const now = clock.now();
    const [queued, pending] = await Promise.all([
      store.queues.list(OFFLINE, tenantId, userId, now, REPLAY_LIMIT),
      store.queues.list(ACKS, tenantId, userId, now, REPLAY_LIMIT),
    ]);
    const byId = new Map<string, NotificationView>();
    for (const item of [...queued, ...pending]) {
      if (!skip.has(item.id)) byId.set(item.id, JSON.parse(item.payload) as NotificationView);
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * A session was sent these: they leave the offline queue and, with acks on, await one.
   * Those that left the offline queue reach the user for the first time: in-app deliveries
   * (those replayed unacknowledged were counted when first sent live).
   */
  async replayed(tenantId: string, userId: string, views: NotificationView[]): Promise<void> {
    if (!this.enabled || views.length === 0) return;
    const ids = views.map((v) => v.id);
    try {
      const removed = await this.deps.store.queues.remove(OFFLINE, tenantId, userId, ids);
      const counter = removed.length > 0 ? this.deps.delivered?.() : null;
      if (counter) {
        const byId = new Map(views.map((v) => [v.id, v]));
        for (const { id } of removed) {
          const v = byId.get(id);
          if (v) counter.delivered(tenantId, v);
        }
      }
      if (this.deps.settings.ack.enabled) await this.track(tenantId, userId, views);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not settle replayed notifications');
    }
  }

  /** The user acknowledged these: they stop being pending; the time it took is counted. */
  async acked(tenantId: string, userId: string, ids: string[]): Promise<void> {
    if (!this.enabled) return;
    const { store, clock } = this.deps;
    const now = clock.now();
    const [removed] = await Promise.all([
      store.queues.remove(ACKS, tenantId, userId, ids),
      // An ack also answers for a copy that waits in the offline queue.
      store.queues.remove(OFFLINE, tenantId, userId, ids),
    ]);
    if (removed.length === 0) return;
    const waited = removed.reduce((sum, item) => sum + Math.max(0, now - item.queued_at), 0);
    await this.count(tenantId, now, { acknowledged: removed.length, ack_ms: waited });
  }

  /**
   * One pass: pending acks that timed out are counted expired, queued for the next session
   * and given the fallback delivery; offline entries past their TTL are dropped. Resolves to
   * how many of each.
   */
  async sweep(): Promise<{ expired: number; dropped: number }> {
    const { store, clock, settings } = this.deps;
    const now = clock.now();
    let expired = 0;
    let dropped = 0;
    if (settings.ack.enabled) {
      for (;;) {
        const items = await store.queues.takeExpired(ACKS, now, SWEEP_BATCH);
        if (items.length === 0) break;
        expired += items.length;
        await this.expire(items, now);
        if (items.length < SWEEP_BATCH) break;
      }
    }
    for (;;) {
      const items = await store.queues.takeExpired(OFFLINE, now, SWEEP_BATCH);
      dropped += items.length;
      if (items.length < SWEEP_BATCH) break;
    }
    return { expired, dropped };
  }

  /** Pending acks now, and what was acknowledged or expired over the last `days` days (today included). */
  async stats(tenantId: string, days: number): Promise<AckStats> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const today = Math.floor(now / DAY_MS);
    const dayList = Array.from({ length: days }, (_, i) => today - i);
    const read = (field: string) =>
      Promise.all(dayList.map((d) => store.counters.get(statsKey(tenantId, d, field), now))).then(
        (values) => values.reduce((a, b) => a + b, 0),
      );
    const [pending, acknowledged, expired, ackMs] = await Promise.all([
      store.queues.count(ACKS, now, tenantId),
      read('acknowledged'),
      read('expired'),
      read('ack_ms'),
    ]);
    return {
      pending,
      acknowledged,
      expired,
      average_ack_time_ms: acknowledged > 0 ? Math.round(ackMs / acknowledged) : null,
      window_days: days,
    };
  }

  /** Runs `sweep` every `realtime.ack.sweep_interval_s` (or the queue's cleanup interval); returns stop. */
  start(): () => void {
    if (!this.enabled) return () => {};
    const { settings, logger } = this.deps;
    const everyS = settings.ack.enabled
      ? Math.min(settings.ack.sweep_interval_s, settings.queue.cleanup_interval_s)
      : settings.queue.cleanup_interval_s;
    return runPeriodically(
      async () => {
        const { expired, dropped } = await this.sweep();
        if (expired + dropped > 0) logger.debug({ expired, dropped }, 'swept acks and queue');
      },
      everyS * 1000,
      logger,
      'ack and queue sweep failed; will retry',
    );
  }

  /**
   * Queue items for `views`, kept `ttlMs`; with `untilExpiry`, no longer than the
   * notification itself (its `ttl_seconds` or `expires_at`): an expired one is never replayed.
   */
  private items(
    tenantId: string,
    userId: string,
    views: NotificationView[],
    ttlMs: number,
    untilExpiry = false,
  ): QueuedItem[] {
    const now = this.deps.clock.now();
    return views.map((view) => {
      const own = untilExpiry && view.expires_at ? Date.parse(view.expires_at) : Infinity;
      return {
        id: view.id,
        tenant_id: tenantId,
        user_id: userId,
        payload: JSON.stringify(view),
        queued_at: now,
        expires_at: Math.min(now + ttlMs, own),
      };
    });
  }

  private async track(tenantId: string, userId: string, views: NotificationView[]) {
    const { store, settings } = this.deps;
    const items = this.items(tenantId, userId, views, settings.ack.timeout_s * 1000);
    // Far more than anyone acks late; the cap only guards memory against a client that never acks.
    await store.queues.push(ACKS, items, Math.max(1000, settings.queue.max_size_per_user));
  }

  private async enqueue(tenantId: string, userId: string, views: NotificationView[]) {
    const { store, settings } = this.deps;
    const items = this.items(tenantId, userId, views, settings.queue.ttl_s * 1000, true);
    await store.queues.push(OFFLINE, items, settings.queue.max_size_per_user);
  }

  /**
   * Settles expired acks one user at a time: one status write, one queue write, one presence
   * look and one batch of fallback deliveries per user rather than per notification.
   */
  private async expire(items: QueuedItem[], now: number): Promise<void> {
    const { store, settings, ids, presence } = this.deps;
    const byTenant = new Map<string, number>();
    const byUser = new Map<string, QueuedItem[]>();
    for (const item of items) {
      byTenant.set(item.tenant_id, (byTenant.get(item.tenant_id) ?? 0) + 1);
      const key = `${item.tenant_id}\u0000${item.user_id}`;
      const mine = byUser.get(key);
      if (mine) mine.push(item);
      else byUser.set(key, [item]);
    }
    await Promise.all(
      [...byTenant].map(([tenantId, n]) => this.count(tenantId, now, { expired: n })),
    );
    const fallback = settings.ack.fallback_channel;
    for (const mine of byUser.values()) {
      const { tenant_id: tenantId, user_id: userId } = mine[0]!;
      const expiredIds = mine.map((item) => item.id);
      await store.deliveries.setStatus(tenantId, userId, expiredIds, 'in_app', 'expired', now);
      // Redelivered to the user's next session, whether or not offline queueing is on.
      await this.enqueue(
        tenantId,
        userId,
        mine.map((item) => JSON.parse(item.payload) as NotificationView),
      );
      if (!fallback) continue;
      if (settings.ack.fallback_skip_when_online && (await presence.isOnline(tenantId, userId))) {
        continue;
      }
      await store.deliveries.add(
        expiredIds.map((notificationId) =>
          newDelivery(
            ids('dlv'),
            {
              tenant_id: tenantId,
              notification_id: notificationId,
              recipient_id: userId,
              channel: fallback,
            },
            now,
          ),
        ),
      );
    }
  }

  private async count(tenantId: string, now: number, fields: Record<string, number>) {
    const day = Math.floor(now / DAY_MS);
    const { counters } = this.deps.store;
    await Promise.all(
      Object.entries(fields).map(([field, by]) =>
        counters.increment(statsKey(tenantId, day, field), by, STATS_TTL_MS, now),
      ),
    );
  }
}
