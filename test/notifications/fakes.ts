/**
 * Small in-process implementations of the routing ports (ports.ts, delivery-port.ts), for
 * routing tests that do not depend on the recipients, templates and providers modules.
 */

import { NotifydError } from '../../src/core/errors.js';
import type { Channel, RenderedContent } from '../../src/notifications/channels.js';
import type { ProviderChannels } from '../../src/notifications/delivery-port.js';
import type {
  ChannelDecision,
  Device,
  KnownRecipients,
  PreferenceDocumentRef,
  PreferenceQuery,
  PreferenceService,
  RecipientDirectory,
  Subscriber,
  SubscriberInput,
  TemplateRenderer,
} from '../../src/notifications/ports.js';
import type { RoutingNeeds } from '../../src/notifications/sender.js';

export class FakeDirectory implements RecipientDirectory {
  readonly subscribers = new Map<string, Subscriber>();
  readonly devices: Device[] = [];
  readonly topics = new Map<string, string[]>();
  readonly deactivated: Array<{ id: string; reason: string }> = [];
  calls = 0;

  async upsert(tenantId: string, input: SubscriberInput): Promise<Subscriber> {
    this.calls++;
    const before = this.subscribers.get(`${tenantId}/${input.id}`);
    const s: Subscriber = {
      tenant_id: tenantId,
      email: null,
      phone: null,
      locale: null,
      timezone: null,
      name: null,
      avatar_url: null,
      data: null,
      created_at: 0,
      updated_at: 0,
      ...before,
      ...input,
      id: input.id,
    };
    this.subscribers.set(`${tenantId}/${input.id}`, s);
    return s;
  }

  async get(tenantId: string, id: string): Promise<Subscriber | null> {
    this.calls++;
    return this.subscribers.get(`${tenantId}/${id}`) ?? null;
  }

  async activeDevices(tenantId: string, subscriberId: string): Promise<Device[]> {
    this.calls++;
    return this.devices.filter(
      (d) => d.tenant_id === tenantId && d.subscriber_id === subscriberId && d.active,
    );
  }

  readManyCalls = 0;

  async readMany(tenantId: string, ids: string[]): Promise<KnownRecipients> {
    this.readManyCalls++;
    const subscribers = new Map<string, Subscriber>();
    const devices = new Map<string, Device[]>();
    for (const id of ids) {
      const s = this.subscribers.get(`${tenantId}/${id}`);
      if (s) subscribers.set(id, s);
      const mine = this.devices.filter(
        (d) => d.tenant_id === tenantId && d.subscriber_id === id && d.active,
      );
      if (mine.length > 0) devices.set(id, mine);
    }
    return { subscribers, devices };
  }

  async deactivateDevice(tenantId: string, deviceId: string, reason: string): Promise<void> {
    const d = this.devices.find((x) => x.id === deviceId && x.tenant_id === tenantId);
    if (d) d.active = false;
    this.deactivated.push({ id: deviceId, reason });
  }

  async category() {
    return null;
  }

  async topicMembers(tenantId: string, key: string, after: string | null, limit: number) {
    const members = this.topics.get(`${tenantId}/${key}`);
    if (!members) return null;
    const sorted = [...members].sort();
    const from = after === null ? 0 : sorted.findIndex((m) => m > after);
    const ids = from < 0 ? [] : sorted.slice(from, from + limit);
    const last = ids.at(-1);
    const next = last !== undefined && sorted.indexOf(last) < sorted.length - 1 ? last : null;
    return { ids, next };
  }

  device(subscriberId: string, id: string, tenantId = 'default'): Device {
    const d: Device = {
      id,
      tenant_id: tenantId,
      subscriber_id: subscriberId,
      kind: 'fcm',
      endpoint: null,
      keys: null,
      token: `tok-${id}`,
      active: true,
      last_used_at: null,
      failure_count: 0,
      created_at: 0,
      updated_at: 0,
    };
    this.devices.push(d);
    return d;
  }
}

/** Decisions per subscriber and channel; everything else delivers. */
export class FakePreferences implements PreferenceService {
  readonly rules = new Map<string, Record<string, ChannelDecision>>();
  readonly queries: PreferenceQuery[] = [];

  async decide(query: PreferenceQuery): Promise<Record<string, ChannelDecision>> {
    this.queries.push(query);
    const rules = this.rules.get(query.subscriberId) ?? {};
    return Object.fromEntries(query.channels.map((c) => [c, rules[c] ?? { deliver: true }]));
  }

  /** The subscriber ids of each documents() call. */
  readonly documentReads: string[][] = [];

  async documents(_tenantId: string, ids: string[]): Promise<Map<string, PreferenceDocumentRef>> {
    this.documentReads.push(ids);
    return new Map();
  }
}

interface FakeTemplate {
  id: string;
  key: string;
  version: number;
  category: string | null;
  contents: RenderedContent;
  locales?: Record<string, RenderedContent>;
}

/** `{{name}}` substitution over every string of a template's channels. */
export class FakeTemplates implements TemplateRenderer {
  readonly templates: FakeTemplate[] = [];
  renders = 0;

  async render(
    _tenantId: string,
    idOrKey: string,
    payload: Record<string, unknown>,
    options?: { locale?: string | null },
  ) {
    this.renders++;
    const t = this.templates.find((x) => x.id === idOrKey || x.key === idOrKey);
    if (!t) throw new NotifydError('VALIDATION_ERROR', `no template ${idOrKey}`);
    const source = (options?.locale && t.locales?.[options.locale]) || t.contents;
    const fill = (v: unknown): unknown => {
      if (typeof v === 'string') {
        return v.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
          if (!(name in payload)) throw new NotifydError('VALIDATION_ERROR', `missing ${name}`);
          return String(payload[name]);
        });
      }
      if (v && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
      }
      return v;
    };
    return {
      template: {
        id: t.id,
        key: t.key,
        version: t.version,
        category: t.category,
        priority: null,
        ttl_seconds: null,
      },
      channels: Object.keys(source) as Channel[],
      contents: fill(source) as RenderedContent,
    };
  }
}

export class FakeProviders implements ProviderChannels {
  constructor(readonly channels = new Set<string>(['push', 'sms', 'email', 'webhook'])) {}
  serves(channel: string): boolean {
    return this.channels.has(channel);
  }
}

/** Every fake, wired. */
export function fakes() {
  const directory = new FakeDirectory();
  const preferences = new FakePreferences();
  const templates = new FakeTemplates();
  const providers = new FakeProviders();
  const routing: RoutingNeeds = { directory, preferences, templates, providers };
  return { directory, preferences, templates, providers, routing };
}

/** A template with in-app, push, sms and email content. */
export function welcomeTemplate(): FakeTemplate {
  return {
    id: 'tpl_1',
    key: 'welcome',
    version: 3,
    category: 'account',
    contents: {
      in_app: { title: 'Hi {{name}}', body: 'Welcome aboard' },
      push: { title: 'Hi {{name}}', body: 'Welcome' },
      sms: { body: 'Welcome {{name}}' },
      email: { subject: 'Welcome {{name}}', html: '<p>Hi {{name}}</p>', text: 'Hi {{name}}' },
    },
    locales: {
      fr: {
        in_app: { title: 'Salut {{name}}', body: 'Bienvenue' },
        email: { subject: 'Bienvenue {{name}}', html: '<p>Salut</p>', text: 'Salut' },
      },
    },
  };
}
