import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import type { ObjectKind } from '../objects/kind.js';
import { ObjectRepository, type Page, type Stored } from '../objects/repository.js';
import type { ListQuery } from '../objects/schemas.js';
import type { Caller } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import type { CreateTopicBody, TopicData, UpdateTopicBody } from './schemas.js';
import type { TopicMemberStore } from './store.js';
import type { SubscriberService } from './subscribers.js';
import { afterOf, cursorOf } from './subscribers.js';

/** Topics as admin objects, keyed by their key; always a tenant's own. */
export const TOPIC_OBJECT: ObjectKind<'notification_topic'> = {
  kind: 'notification_topic',
  idKind: 'top',
  notFound: 'TOPIC_NOT_FOUND',
  global: {
    visibleToTenants: false,
    writeScope: 'notifications:admin',
    refusal: 'Topics belong to a tenant.',
  },
};

/** A stored topic with its member count. */
export type CountedTopic = Stored<TopicData> & { subscriber_count: number };

const iso = (ms: number) => new Date(ms).toISOString();

export function topicView(o: CountedTopic) {
  return {
    id: o.id,
    key: o.key as string,
    name: o.data.name,
    description: o.data.description,
    subscriber_count: o.subscriber_count,
    version: o.version,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
  };
}

/** Members removed per store call when a topic is deleted. */
const CLEAR_CHUNK = 1000;

type TopicEvents =
  | 'notification.topic.created'
  | 'notification.topic.updated'
  | 'notification.topic.deleted';

/** Topics and their members. */
export class TopicService {
  private readonly objects: ObjectRepository<TopicData>;

  constructor(
    store: ObjectStore,
    private readonly members: TopicMemberStore,
    private readonly subscribers: SubscriberService,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly emit: EventSink<TopicEvents>,
  ) {
    this.objects = new ObjectRepository(store, TOPIC_OBJECT, clock, ids);
  }

  async create(caller: Caller, body: CreateTopicBody): Promise<CountedTopic> {
    const created = await this.objects.create(
      caller.tenant_id,
      { name: body.name, description: body.description ?? null },
      body.key,
    );
    this.emit('notification.topic.created', caller.tenant_id, {
      topic_key: body.key,
      name: body.name,
      actor: caller.key_id,
    });
    return this.counted(created);
  }

  async list(caller: Caller, query: ListQuery): Promise<Page<CountedTopic>> {
    const page = await this.objects.list(caller, query);
    return { ...page, items: await Promise.all(page.items.map((o) => this.counted(o))) };
  }

  /** By id or key; 404 TOPIC_NOT_FOUND. */
  async get(caller: Caller, idOrKey: string): Promise<CountedTopic> {
    return this.counted(await this.objects.resolve(caller, idOrKey));
  }

  async update(caller: Caller, idOrKey: string, body: UpdateTopicBody) {
    const current = await this.objects.resolve(caller, idOrKey);
    const { version, ...change } = body;
    const updated = await this.objects.update(
      caller,
      current.id,
      (o) => ({ data: { ...o.data, ...change }, key: o.key }),
      version,
    );
    this.emit('notification.topic.updated', updated.tenant_id, {
      topic_key: updated.key as string,
      name: updated.data.name,
      version: updated.version,
      actor: caller.key_id,
    });
    return this.counted(updated);
  }

  /** Deletes the topic, then its memberships in chunks. */
  async remove(caller: Caller, idOrKey: string): Promise<CountedTopic> {
    const current = await this.objects.resolve(caller, idOrKey);
    const removed = await this.objects.remove(caller, current.id);
    const key = removed.key as string;
    let cleared = 0;
    for (;;) {
      const n = await this.members.clear(removed.tenant_id as string, key, CLEAR_CHUNK);
      cleared += n;
      if (n === 0) break;
    }
    this.emit('notification.topic.deleted', removed.tenant_id, {
      topic_key: key,
      members_removed: cleared,
      actor: caller.key_id,
    });
    return { ...removed, subscriber_count: 0 };
  }

  /** Adds subscribers (all must exist: 404 naming those that do not, and nothing added). */
  async addMembers(caller: Caller, idOrKey: string, ids: string[]) {
    const topic = await this.objects.resolve(caller, idOrKey);
    await this.subscribers.requireAll(caller.tenant_id, ids);
    const added = await this.members.add(
      caller.tenant_id,
      topic.key as string,
      ids,
      this.clock.now(),
    );
    return {
      added,
      subscriber_count: await this.members.count(caller.tenant_id, topic.key as string),
    };
  }

  async removeMembers(caller: Caller, idOrKey: string, ids: string[]) {
    const topic = await this.objects.resolve(caller, idOrKey);
    const removed = await this.members.remove(caller.tenant_id, topic.key as string, ids);
    return {
      removed,
      subscriber_count: await this.members.count(caller.tenant_id, topic.key as string),
    };
  }

  /** One page of members by id, with the cursor of the next. */
  async listMembers(caller: Caller, idOrKey: string, query: { cursor?: string; limit?: number }) {
    const topic = await this.objects.resolve(caller, idOrKey);
    const limit = query.limit ?? 100;
    const rows = await this.members.list(
      caller.tenant_id,
      topic.key as string,
      afterOf(query.cursor) ?? null,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const has_more = rows.length > limit;
    const last = page[page.length - 1];
    return { ids: page, cursor: has_more && last ? cursorOf(last) : null, has_more };
  }

  /** For routing's fan-out: a page of members, or null when the tenant has no such topic. */
  async page(tenantId: string, key: string, after: string | null, limit: number) {
    const topic = await this.objects.findByKey(
      { key_id: 'notifyd', tenant_id: tenantId, tenant_bound: true, admin: false },
      key,
    );
    if (!topic || topic.tenant_id !== tenantId) return null;
    const ids = await this.members.list(tenantId, key, after, limit);
    return { ids, next: ids.length === limit ? (ids[ids.length - 1] ?? null) : null };
  }

  private async counted(o: Stored<TopicData>): Promise<CountedTopic> {
    return {
      ...o,
      subscriber_count: await this.members.count(o.tenant_id as string, o.key as string),
    };
  }
}
