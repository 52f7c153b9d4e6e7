import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { RecipientDirectory, TemplateRenderer } from '../notifications/ports.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { TemplateEngine } from '../templates/engine.js';
import type { DigestOptions } from './options.js';
import { digestRoutes, type SubscriberLookup } from './routes.js';
import { type DigestSender, Digests, FLUSH_KIND } from './service.js';
import type { DigestSettings } from './windows.js';

/** The digests module's options, from the configuration. */
export const digestsOptions = (c: Config): DigestOptions => c.digests;

/** What the module needs: the send path, the scheduler, recipients and templates. */
export interface DigestsNeeds {
  sender: DigestSender;
  scheduler: SchedulerService;
  directory: RecipientDirectory;
  subscribers: SubscriberLookup;
  /** A subscriber's preferences as the API shows them (their `digest` part is read). */
  preferences: {
    view(tenantId: string, subscriberId: string): Promise<{ digest: DigestSettings }>;
  };
  templates: TemplateRenderer;
  engine: TemplateEngine;
}

/** The modules digests take their needs from (built before it). */
export interface DigestsSources {
  scheduler: { services: { scheduler: SchedulerService } };
  notifications: { services: { notifications: DigestSender } };
  recipients: {
    services: {
      directory: RecipientDirectory;
      subscribers: SubscriberLookup;
      preferenceAdmin: DigestsNeeds['preferences'];
    };
  };
  templates: { services: { renderer: TemplateRenderer; engine: TemplateEngine } };
}

/** The needs of the digests module, from the modules that offer them. */
export function digestsNeeds(m: DigestsSources): DigestsNeeds {
  const { directory, subscribers, preferenceAdmin } = m.recipients.services;
  return {
    sender: m.notifications.services.notifications,
    scheduler: m.scheduler.services.scheduler,
    directory,
    subscribers,
    preferences: preferenceAdmin,
    templates: m.templates.services.renderer,
    engine: m.templates.services.engine,
  };
}

/**
 * Digests: what routing sends to a recipient's digest is collected per window and sent as
 * one notification at the window's end (a `digest.flush` job). Offers the collector the
 * notifications module asks for when a channel is digested.
 */
export function createDigestsModule(
  ctx: ModuleContext<DigestOptions, DigestsNeeds>,
): NotifydModule<{ digests: Digests | null }> {
  const { options, store, clock, ids, logger, bus } = ctx;
  const { scheduler, preferences } = ctx.services;
  if (!options.enabled) return { name: 'digests', services: { digests: null }, routes: [] };
  const digests = new Digests({
    objects: store.objects,
    clock,
    ids,
    logger,
    scheduler,
    sender: ctx.services.sender,
    settings: async (tenant, subscriber) => {
      const d = (await preferences.view(tenant, subscriber)).digest;
      return {
        frequency: d.frequency,
        delivery_time: d.delivery_time,
        delivery_day: d.delivery_day,
        timezone: d.timezone,
        channel: d.channel,
      };
    },
    directory: ctx.services.directory,
    templates: ctx.services.templates,
    engine: ctx.services.engine,
    options,
    emit: bus.emit.bind(bus),
  });
  scheduler.register(FLUSH_KIND, (job) => digests.run(job));
  return {
    name: 'digests',
    services: { digests },
    routes: digestRoutes(digests, ctx.services.subscribers),
  };
}
