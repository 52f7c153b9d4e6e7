import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { PreferenceService, RecipientDirectory } from '../notifications/ports.js';
import { CategoryService } from './categories.js';
import { DeviceService } from './devices.js';
import { Directory } from './directory.js';
import { type RecipientHistory, SubscriberErasure } from './erasure.js';
import { Preferences } from './preferences.js';
import { categoryRoutes } from './routes/categories.js';
import { deviceRoutes } from './routes/devices.js';
import { preferenceRoutes } from './routes/preferences.js';
import { subscriberRoutes } from './routes/subscribers.js';
import { topicRoutes } from './routes/topics.js';
import { SubscriberService } from './subscribers.js';
import { TopicService } from './topics.js';

/**
 * What the module needs: the notifications module's records of a recipient (for the GDPR
 * export and erasure). That module starts after this one, so it is asked for when used.
 */
export interface RecipientsNeeds {
  history: () => RecipientHistory;
}

export interface RecipientsServices {
  /** What sending reads: subscribers, devices, categories, topic members. */
  directory: RecipientDirectory;
  /** The per-channel decisions routing asks for. */
  preferences: PreferenceService;
  subscribers: SubscriberService;
  devices: DeviceService;
  categories: CategoryService;
  topics: TopicService;
  /** Reading and changing preferences (the API's side of `preferences`). */
  preferenceAdmin: Preferences;
  erasure: SubscriberErasure;
}

/** Subscribers, their devices and preferences, categories and topics. */
export function createRecipientsModule(
  ctx: ModuleContext<Record<string, never>, RecipientsNeeds>,
): NotifydModule<RecipientsServices> {
  const { store, clock, ids, logger, bus } = ctx;
  const emit = bus.emit.bind(bus);
  const subscribers = new SubscriberService(store.subscribers, clock);
  const devices = new DeviceService(store.devices, clock, ids, emit, logger);
  const categories = new CategoryService(store.objects, clock, ids);
  const topics = new TopicService(store.objects, store.topicMembers, subscribers, clock, ids, emit);
  const preferences = new Preferences(
    store.preferences,
    store.subscribers,
    categories,
    clock,
    emit,
  );
  const erasure = new SubscriberErasure(store, preferences, ctx.services.history, () =>
    clock.now(),
  );
  const directory = new Directory(subscribers, devices, categories, topics);
  return {
    name: 'recipients',
    services: {
      directory,
      preferences,
      subscribers,
      devices,
      categories,
      topics,
      preferenceAdmin: preferences,
      erasure,
    },
    routes: [
      ...subscriberRoutes(subscribers, erasure, emit),
      ...deviceRoutes(subscribers, devices),
      ...preferenceRoutes(subscribers, preferences),
      ...categoryRoutes(categories, emit),
      ...topicRoutes(topics),
    ],
  };
}
