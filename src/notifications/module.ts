import { createHash, randomBytes } from 'node:crypto';
import { Counter } from 'prom-client';
import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { CursorCodec } from './cursor.js';
import { FeedService } from './feed-service.js';
import { FeedHistory } from './history.js';
import { LiveMessages } from './live.js';
import type { PresenceProbe } from './presence.js';
import { RecipientRecords } from './recipient-records.js';
import { Retention } from './retention.js';
import { deliveryStateRoutes } from './routes/delivery-state.js';
import { feedRoutes } from './routes/feed.js';
import { feedActionRoutes } from './routes/feed-actions.js';
import { historyRoutes } from './routes/history.js';
import { liveRoutes } from './routes/live.js';
import { notificationRoutes } from './routes/send.js';
import { sentRoutes } from './routes/sent.js';
import { SentNotifications } from './sent.js';
import { NotificationService } from './service.js';
import { DeliveryTracker } from './tracking.js';
import type { UserChannel } from './user-channel.js';

/** The options the notifications module reads. */
export type NotificationsOptions = Pick<Config, 'feed' | 'notifications' | 'realtime'> & {
  /** Seeds the feed's cursor key when `feed.cursor_secret` is not set (`auth.jwt.secret`). */
  jwt_secret: string;
};

/** The notifications module's options, from the configuration. */
export const notificationsOptions = (c: Config): NotificationsOptions => ({
  feed: c.feed,
  notifications: c.notifications,
  realtime: c.realtime,
  jwt_secret: c.auth.jwt.secret,
});

/** What the module needs: where users' real-time messages go, and who is connected. */
export interface NotificationsNeeds {
  users: UserChannel;
  presence: PresenceProbe;
}

export interface NotificationsServices {
  notifications: NotificationService;
  /** The offline queue and ack tracking. */
  tracker: DeliveryTracker;
  live: LiveMessages;
  /** Dismissing, actions, bulk deletion. */
  feed: FeedService;
  /** Changing and retracting sent notifications. */
  sent: SentNotifications;
  /** Deletes what is past `notifications.retention_days` (its job runs it hourly). */
  retention: Retention;
  /** A recipient's notifications and deliveries, for the GDPR export and erasure. */
  records: RecipientRecords;
}

/** How often expired idempotency keys are forgotten. */
const PURGE_MS = 60_000;
/** How often notifications past retention are deleted. */
const RETENTION_MS = 3_600_000;

/** Cursors are signed, so that a client cannot forge a position in someone else's feed. */
function cursorKey(options: NotificationsOptions): Buffer {
  const seed = options.feed.cursor_secret || options.jwt_secret;
  if (!seed) return randomBytes(32);
  return createHash('sha256').update(`notifyd-cursor:${seed}`).digest();
}

/** Sending, the in-app feed, live messages, the offline queue and ack tracking. */
export function createNotificationsModule(
  ctx: ModuleContext<NotificationsOptions, NotificationsNeeds>,
): NotifydModule<NotificationsServices> {
  const { options, store, clock, ids, logger, bus } = ctx;
  const events = bus.emit.bind(bus);
  const { users, presence } = ctx.services;
  const tracker = new DeliveryTracker({
    store,
    clock,
    ids,
    logger,
    presence,
    settings: options.realtime,
  });
  const notifications = new NotificationService({
    store,
    clock,
    ids,
    cursors: new CursorCodec(cursorKey(options)),
    users,
    idempotencyTtlMs: options.notifications.idempotency_ttl_s * 1000,
    tracker,
    events,
  });
  const feed = new FeedService({ store, clock, users, events });
  const sent = new SentNotifications({ store, clock, users });
  const history = new FeedHistory({ store, clock });
  const retention = new Retention({
    store,
    clock,
    logger,
    days: options.notifications.retention_days,
  });
  const live = new LiveMessages(users, ids, clock);
  const accepted = new Counter({
    name: 'notifyd_notifications_accepted_total',
    help: 'Notifications accepted (answered 202).',
    labelNames: ['tenant'] as const,
    registers: [ctx.metrics],
  });
  let stopSweep = () => {};
  return {
    name: 'notifications',
    services: {
      notifications,
      tracker,
      live,
      feed,
      sent,
      retention,
      records: new RecipientRecords(store),
    },
    routes: [
      ...notificationRoutes(notifications, accepted),
      ...sentRoutes(sent),
      ...feedRoutes(notifications, options.feed),
      ...feedActionRoutes(feed),
      ...historyRoutes(history, options.feed.export_max_rows),
      ...liveRoutes(live),
      ...deliveryStateRoutes(tracker, presence),
    ],
    jobs: [
      {
        name: 'forgetting expired idempotency keys',
        everyMs: PURGE_MS,
        async run() {
          const keys = await store.notifications.purgeExpiredIdempotency(clock.now());
          if (keys > 0) logger.debug({ keys }, 'purged expired idempotency keys');
        },
      },
      {
        name: 'deleting notifications past retention',
        everyMs: RETENTION_MS,
        async run() {
          await retention.run();
        },
      },
    ],
    start() {
      stopSweep = tracker.start();
    },
    pause() {
      stopSweep();
    },
  };
}
