import { createHash, randomBytes } from 'node:crypto';
import { Counter } from 'prom-client';
import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { SchedulerService } from '../scheduler/service.js';
import { CapRelease } from './cap-release.js';
import { UserCaps } from './caps.js';
import { CursorCodec } from './cursor.js';
import { DeliveryService } from './deliveries.js';
import { notificationFacts } from './facts.js';
import { FeedService } from './feed-service.js';
import { FeedHistory } from './history.js';
import { LiveMessages } from './live.js';
import { NotificationLookup } from './lookup.js';
import type { EventBacklog, NotificationFacts, WorkflowRunner } from './ports.js';
import type { PresenceProbe } from './presence.js';
import { RecipientRecords } from './recipient-records.js';
import type { NotificationRecord } from './records.js';
import { SendRequests } from './requests.js';
import { Retention } from './retention.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { deliveryStateRoutes } from './routes/delivery-state.js';
import { feedRoutes } from './routes/feed.js';
import { feedActionRoutes } from './routes/feed-actions.js';
import { historyRoutes } from './routes/history.js';
import { liveRoutes } from './routes/live.js';
import { lookupRoutes } from './routes/lookup.js';
import { requestRoutes } from './routes/requests.js';
import { scheduledRoutes } from './routes/scheduled.js';
import { notificationRoutes } from './routes/send.js';
import { sentRoutes } from './routes/sent.js';
import { ScheduledSends } from './scheduled.js';
import { type RoutingNeeds, Sender } from './sender.js';
import { SentNotifications } from './sent.js';
import { NotificationService } from './service.js';
import { type DeliveryCounter, DeliveryTracker } from './tracking.js';
import type { UserChannel } from './user-channel.js';

/** The options the notifications module reads. */
export type NotificationsOptions = Pick<Config, 'feed' | 'notifications' | 'realtime'> & {
  /** Seeds the feed's cursor key when `feed.cursor_secret` is not set (`auth.jwt.secret`). */
  jwt_secret: string;
  /** Scheduled sends: `scheduler.max_lateness_ms` and `scheduler.max_send_ahead_days`. */
  scheduled: Pick<Config['scheduler'], 'max_lateness_ms' | 'max_send_ahead_days'>;
};

/** The notifications module's options, from the configuration. */
export const notificationsOptions = (c: Config): NotificationsOptions => ({
  feed: c.feed,
  notifications: c.notifications,
  realtime: c.realtime,
  jwt_secret: c.auth.jwt.secret,
  scheduled: {
    max_lateness_ms: c.scheduler.max_lateness_ms,
    max_send_ahead_days: c.scheduler.max_send_ahead_days,
  },
});

/**
 * What the module needs: where users' real-time messages go, and who is connected; and,
 * when the server has them, the recipients, preferences, templates and providers routing
 * consults (without them: every recipient is a bare id, every channel allowed and served,
 * and only inline content can be sent).
 */
export interface NotificationsNeeds extends RoutingNeeds {
  users: UserChannel;
  presence: PresenceProbe;
  /** Durable jobs: sends with `send_at` need it (without it they are refused). */
  scheduler?: SchedulerService;
  /** Runs sends with `workflow` start (the workflows module, built after: asked when used). */
  workflows?: () => WorkflowRunner | null;
  /** Where emitted events wait to be written (analytics, built after: asked when used). */
  backlog?: () => EventBacklog | null;
  /** Where in-app deliveries from the offline queue are counted (analytics: asked when used). */
  delivered?: () => DeliveryCounter | null;
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
  /** The delivery queue as the providers' worker uses it (delivery-port.ts). */
  deliveries: DeliveryService;
  /** Batches' summaries, topic sends, cancellations. */
  requests: SendRequests;
  /** Sends with `send_at`; null without a scheduler. */
  scheduled: ScheduledSends | null;
  /** What a workflow condition may know of a notification (read, dismissed, actioned). */
  facts: NotificationFacts;
}

/**
 * Topic members routed and written per page of a topic send. Small enough that a page's
 * records (notifications, deliveries, their encoded rows) die young: at 500 a page lived
 * through several young-generation collections and was promoted whole, and the old
 * generation grew by hundreds of MiB over a 100k topic (BENCHMARKS.md); the per-page reads
 * and writes cost little more at 100.
 */
const TOPIC_PAGE = 100;

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
  const { users, presence, directory, preferences, templates, providers, digests } = ctx.services;
  const routing = {
    ...(digests ? { digests } : {}),
    ...(directory ? { directory } : {}),
    ...(preferences ? { preferences } : {}),
    ...(templates ? { templates } : {}),
    ...(providers ? { providers } : {}),
  };
  const tracker = new DeliveryTracker({
    store,
    clock,
    ids,
    logger,
    presence,
    settings: options.realtime,
    ...(ctx.services.delivered ? { delivered: ctx.services.delivered } : {}),
  });
  const idempotencyTtlMs = options.notifications.idempotency_ttl_s * 1000;
  let deliveries: DeliveryService | undefined;
  let release: CapRelease | null = null;
  const { scheduler } = ctx.services;
  const sender = new Sender({
    store,
    clock,
    ids,
    users,
    idempotencyTtlMs,
    tracker,
    ...routing,
    queued: (channels) => deliveries?.queued(channels),
    // In-app caps need the scheduler to release what they defer; queued channels do not.
    ...(options.notifications.caps.enabled
      ? { caps: new UserCaps(store.ratelimit, options.notifications.caps, scheduler !== undefined) }
      : {}),
    release: async (n, at) => {
      await release?.schedule(n, at);
    },
    events,
    inApp: bus,
  });
  const requests = new SendRequests({
    store,
    clock,
    ids,
    logger,
    sender,
    pageSize: TOPIC_PAGE,
    ...(ctx.services.backlog ? { backlog: ctx.services.backlog } : {}),
    ...(directory ? { directory } : {}),
    ...(preferences ? { preferences } : {}),
  });
  const cancelled = (n: NotificationRecord) => requests.cancelled(n);
  release = scheduler
    ? new CapRelease({
        scheduler,
        store,
        clock,
        ids,
        idempotencyTtlMs,
        publish: (n) => sender.publish(n),
        cancelled,
      })
    : null;
  const scheduled = scheduler
    ? new ScheduledSends({
        scheduler,
        sender,
        clock,
        maxLatenessMs: options.scheduled.max_lateness_ms,
        maxAheadMs: options.scheduled.max_send_ahead_days * 86_400_000,
        cancelledSince: (tenantId, key, at) => requests.cancelledSince(tenantId, key, at),
      })
    : null;
  if (scheduled) requests.alsoCancels((tenantId, key) => scheduled.cancelByKey(tenantId, key));
  deliveries = new DeliveryService({
    store,
    clock,
    logger,
    cancelled,
    ...(directory ? { directory } : {}),
  });
  const notifications = new NotificationService({
    store,
    clock,
    ids,
    cursors: new CursorCodec(cursorKey(options)),
    users,
    idempotencyTtlMs,
    tracker,
    events,
    sender,
    cancelled,
    requests,
    ...(scheduled ? { scheduled } : {}),
    ...(ctx.services.workflows ? { workflows: ctx.services.workflows } : {}),
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
  // Topic sends a stopped node left half done are picked up in the background: a store
  // that is down at start must not keep the server from listening (it retries until up).
  let resuming: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | null = null;
  let wakeUp = () => {};
  let stopped = false;
  const stopResuming = () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    wakeUp();
  };
  const resumeTopicSends = async (): Promise<void> => {
    while (!stopped) {
      try {
        const resumed = await requests.resume();
        if (resumed > 0) logger.info({ resumed }, 'resuming topic sends');
        return;
      } catch (err) {
        logger.warn({ err }, 'cannot resume topic sends yet; trying again in 1 s');
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          retryTimer = setTimeout(resolve, 1000);
          retryTimer.unref();
        });
      }
    }
  };
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
      deliveries,
      requests,
      scheduled,
      facts: notificationFacts(store),
    },
    routes: [
      ...notificationRoutes(notifications, accepted),
      ...requestRoutes(requests),
      ...(scheduled ? scheduledRoutes(scheduled) : []),
      ...sentRoutes(sent),
      ...feedRoutes(notifications, options.feed),
      ...feedActionRoutes(feed),
      ...historyRoutes(history, options.feed.export_max_rows),
      ...liveRoutes(live),
      ...deliveryStateRoutes(tracker, presence),
      ...deadLetterRoutes(deliveries),
      ...lookupRoutes(new NotificationLookup({ store, cancelled })),
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
    // After every module started: a resumed page must see the providers loaded, or it would
    // route push and email as no_provider (the kill -9 topic test caught it).
    started() {
      resuming = resumeTopicSends();
    },
    async pause() {
      stopSweep();
      stopResuming();
      await resuming;
      await requests.stop();
    },
  };
}
