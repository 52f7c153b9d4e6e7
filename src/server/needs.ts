import type { createAnalyticsModule } from '../analytics/module.js';
import type { createClusterModule } from '../cluster/module.js';
import type { createDigestsModule } from '../digests/module.js';
import type {
  DeliveryPort,
  DeliveryReports,
  ProviderChannels,
} from '../notifications/delivery-port.js';
import type { createNotificationsModule } from '../notifications/module.js';
import type { RoutingNeeds } from '../notifications/sender.js';
import type { DeliveryCounter } from '../notifications/tracking.js';
import type { createProvidersModule } from '../providers/module.js';
import type { ProvidersNeeds } from '../providers/providers.js';
import type { createRateLimitModule } from '../ratelimit/module.js';
import type { createRecipientsModule } from '../recipients/module.js';
import type { createSchedulerModule } from '../scheduler/module.js';
import type { createTemplatesModule } from '../templates/module.js';
import type { createWorkflowsModule } from '../workflows/module.js';
import type { Realtime } from './realtime/index.js';
import type { Presence } from './realtime/presence.js';

// How the server hands one module's services to another: a function per module whose needs
// come from several others, so that `createServer` stays the list of modules in start order.

type NotificationsModule = ReturnType<typeof createNotificationsModule>;

/** The notification engine's modules: built first, in this order. */
export interface EngineModules {
  scheduler: ReturnType<typeof createSchedulerModule>;
  recipients: ReturnType<typeof createRecipientsModule>;
  templates: ReturnType<typeof createTemplatesModule>;
  notifications: NotificationsModule;
}

/**
 * Modules built after those that use them: asked for their services when used (a send, a
 * delivery), never while the server is being built. Filled in as they are built.
 */
export interface LaterModules {
  notifications?: NotificationsModule;
  digests?: ReturnType<typeof createDigestsModule>;
  workflows?: ReturnType<typeof createWorkflowsModule>;
  analytics?: ReturnType<typeof createAnalyticsModule>;
  providers?: ReturnType<typeof createProvidersModule>;
}

/** Whichever module a later module is, once it is built. */
export function built<K extends keyof LaterModules>(later: LaterModules, name: K) {
  const m = later[name];
  if (!m) throw new Error(`the ${name} module is asked for before it is built`);
  return m as NonNullable<LaterModules[K]>;
}

/** Analytics' in-app tally, or null before analytics is built or when it is off. */
export function tallyOf(later: LaterModules) {
  return () => later.analytics?.services.analytics?.ingestor.tally ?? null;
}

/** The notifications module's needs: routing, recipients, templates and later modules. */
export function notificationsNeeds(
  m: Omit<EngineModules, 'notifications'> & { cluster: ReturnType<typeof createClusterModule> },
  sessions: { presence: Presence; delivered: () => DeliveryCounter },
  later: LaterModules,
  routing: RoutingNeeds | undefined,
) {
  // Routing asks the providers module (built after, as it works the delivery queue this
  // module offers) which channels have a provider.
  const providers: ProviderChannels = {
    serves: (ch) => built(later, 'providers').services.channels.serves(ch),
  };
  return {
    users: m.cluster.services.users,
    presence: sessions.presence,
    directory: m.recipients.services.directory,
    preferences: m.recipients.services.preferences,
    templates: m.templates.services.renderer,
    providers,
    scheduler: m.scheduler.services.scheduler,
    digests: () => built(later, 'digests').services.digests,
    workflows: () => built(later, 'workflows').services.runs,
    backlog: () => later.analytics?.services.analytics?.ingestor ?? null,
    delivered: sessions.delivered,
    ...routing,
  };
}

/** The Ara compatibility module's needs: the engine's services and the local sessions. */
export function araNeeds(m: EngineModules, presence: Presence, realtime: Realtime) {
  return {
    notifications: m.notifications.services.notifications,
    templates: m.templates.services.templates,
    live: m.notifications.services.live,
    presence,
    sessions: realtime.gateway,
  };
}

/** The analytics module's needs: jobs for reports and alerts, sends for their recipients. */
export function analyticsNeeds(m: EngineModules) {
  return {
    scheduler: m.scheduler.services.scheduler,
    sender: () => m.notifications.services.notifications,
    topics: () => m.notifications.services.requests,
  };
}

/**
 * The providers module's needs: the delivery queue (the notification engine's, unless the
 * caller gives one), preferences for one-click unsubscribes, the rate limiter, jobs for
 * status polls, and (tests) jitter and timers of the caller's.
 */
export function providersNeeds(
  m: EngineModules & { ratelimit: ReturnType<typeof createRateLimitModule> },
  given: ProvidersNeeds,
) {
  const { deliveries, random, timer } = given;
  const engine = m.notifications.services as { deliveries?: DeliveryPort };
  return {
    // The engine's delivery port, once it offers one (else the workers stay idle).
    deliveries: deliveries ?? engine.deliveries,
    reports: (m.notifications.services as { deliveries?: DeliveryReports }).deliveries,
    preferences: m.recipients.services.preferenceAdmin,
    limiter: m.ratelimit.services.engine.limiter,
    scheduler: m.scheduler.services.scheduler,
    random,
    timer,
  };
}
