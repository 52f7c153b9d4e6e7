import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { Subscriber, SubscriberInput } from '../notifications/ports.js';
import type { SubscriberBody, SubscriberView } from './schemas.js';
import type { SubscriberStore } from './store.js';
import { checkLocale, checkPhone, checkTimeZone, invalid } from './validation.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function subscriberView(s: Subscriber): SubscriberView {
  return {
    id: s.id,
    email: s.email,
    phone: s.phone,
    locale: s.locale,
    timezone: s.timezone,
    name: s.name,
    avatar_url: s.avatar_url,
    data: s.data,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}

/** A list cursor: the last id of the page, base64url (subscriber ids are any text). */
export const cursorOf = (lastId: string) => Buffer.from(lastId).toString('base64url');
export function afterOf(cursor: string | undefined, field = 'query.cursor'): string | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw invalid(field, 'is not a cursor this server issued');
  return Buffer.from(cursor, 'base64url').toString();
}

/** Checks and normalises what may be said about a subscriber (phone, time zone, locale). */
export function checkSubscriberInput(
  id: string,
  body: Omit<SubscriberInput, 'id'>,
  where = 'body',
): SubscriberInput {
  const input: SubscriberInput = { id, ...body };
  if (typeof input.phone === 'string') input.phone = checkPhone(input.phone, `${where}.phone`);
  if (typeof input.timezone === 'string') {
    input.timezone = checkTimeZone(input.timezone, `${where}.timezone`);
  }
  if (typeof input.locale === 'string') input.locale = checkLocale(input.locale, `${where}.locale`);
  return input;
}

/** Subscribers: the tenant's recipients, by the services' own user ids. */
export class SubscriberService {
  constructor(
    private readonly store: SubscriberStore,
    private readonly clock: Clock,
  ) {}

  /** Creates the subscriber or sets the fields given, after checking them. */
  upsert(tenantId: string, id: string, body: SubscriberBody | Omit<SubscriberInput, 'id'>) {
    return this.store.upsert(tenantId, checkSubscriberInput(id, body), this.clock.now());
  }

  /** Makes sure a subscriber with this id exists (a user registering a device, say). */
  async ensure(tenantId: string, id: string): Promise<Subscriber> {
    return (await this.store.get(tenantId, id)) ?? (await this.upsert(tenantId, id, {})).subscriber;
  }

  /** The subscriber, or null. */
  find(tenantId: string, id: string): Promise<Subscriber | null> {
    return this.store.get(tenantId, id);
  }

  /** The stored ones of these subscribers, with one read. */
  findMany(tenantId: string, ids: string[]): Promise<Subscriber[]> {
    return this.store.getMany(tenantId, ids);
  }

  /** The subscriber, or 404 SUBSCRIBER_NOT_FOUND. */
  async get(tenantId: string, id: string): Promise<Subscriber> {
    const found = await this.store.get(tenantId, id);
    if (!found) throw new NotifydError('SUBSCRIBER_NOT_FOUND', undefined, { id });
    return found;
  }

  /** One page by id, with the cursor of the next. */
  async list(tenantId: string, query: { cursor?: string; limit?: number; email?: string }) {
    const limit = query.limit ?? 50;
    const after = afterOf(query.cursor);
    const rows = await this.store.list(tenantId, {
      limit: limit + 1,
      ...(after !== undefined ? { after } : {}),
      ...(query.email !== undefined ? { email: query.email } : {}),
    });
    const page = rows.slice(0, limit);
    const has_more = rows.length > limit;
    const last = page[page.length - 1];
    return { items: page, cursor: has_more && last ? cursorOf(last.id) : null, has_more };
  }

  /** Ids of the tenant's subscribers among these; 404 naming the others when some are not. */
  async requireAll(tenantId: string, ids: string[]): Promise<void> {
    const found = new Set(await this.store.existing(tenantId, ids));
    const missing = [...new Set(ids)].filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new NotifydError(
        'SUBSCRIBER_NOT_FOUND',
        `${missing.length === 1 ? `${missing[0]} is not a subscriber` : `${missing.length} of these are not subscribers: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`}; create ${missing.length === 1 ? 'it' : 'them'} first with PUT /api/v1/subscribers/{id} (notifyd subscriber set)`,
        { missing: missing.slice(0, 100) },
      );
    }
  }
}
