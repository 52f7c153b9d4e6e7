import type {
  Category,
  Device,
  KnownRecipients,
  RecipientDirectory,
  Subscriber,
  SubscriberInput,
} from '../notifications/ports.js';
import type { CategoryService } from './categories.js';
import type { DeviceService } from './devices.js';
import type { SubscriberService } from './subscribers.js';
import type { TopicService } from './topics.js';

/** What sending reads of recipients: subscribers, their devices, categories, topic members. */
export class Directory implements RecipientDirectory {
  constructor(
    private readonly subscribers: SubscriberService,
    private readonly devices: DeviceService,
    private readonly categories: CategoryService,
    private readonly topics: TopicService,
  ) {}

  async upsert(tenantId: string, input: SubscriberInput): Promise<Subscriber> {
    const { id, ...fields } = input;
    return (await this.subscribers.upsert(tenantId, id, fields)).subscriber;
  }

  get(tenantId: string, id: string): Promise<Subscriber | null> {
    return this.subscribers.find(tenantId, id);
  }

  async readMany(tenantId: string, ids: string[]): Promise<KnownRecipients> {
    const [subscribers, devices] = await Promise.all([
      this.subscribers.findMany(tenantId, ids),
      this.devices.listMany(tenantId, ids),
    ]);
    const bySubscriber = new Map<string, Device[]>();
    for (const d of devices) {
      if (!d.active) continue;
      const list = bySubscriber.get(d.subscriber_id);
      if (list) list.push(d);
      else bySubscriber.set(d.subscriber_id, [d]);
    }
    return { subscribers: new Map(subscribers.map((s) => [s.id, s])), devices: bySubscriber };
  }

  async activeDevices(tenantId: string, subscriberId: string): Promise<Device[]> {
    return (await this.devices.list(tenantId, subscriberId)).filter((d) => d.active);
  }

  deactivateDevice(tenantId: string, deviceId: string, reason: string): Promise<void> {
    return this.devices.deactivate(tenantId, deviceId, reason);
  }

  category(tenantId: string, id: string): Promise<Category | null> {
    return this.categories.lookup(tenantId, id);
  }

  topicMembers(tenantId: string, key: string, after: string | null, limit: number) {
    return this.topics.page(tenantId, key, after, limit);
  }
}
