/**
 * The seams of the notification engine: what sending (routing, batch, topic fan-out) needs
 * from the modules that keep recipients, preferences and templates. Each of those modules
 * implements its port and offers it as a service; the notifications module takes them as
 * needs. Types only: no module imports another's implementation.
 */
import type { Channel, RenderedContent } from './channels.js';
import type { Priority } from './records.js';

/** A recipient as the tenant's services know them (`/subscribers`). */
export interface Subscriber {
  /** The service's own user id; the feed's `recipient_id`. */
  id: string;
  tenant_id: string;
  email: string | null;
  /** E.164. */
  phone: string | null;
  /** BCP 47, e.g. `fr` or `pt-BR`. */
  locale: string | null;
  /** IANA, e.g. `Europe/Paris`. */
  timezone: string | null;
  name: string | null;
  avatar_url: string | null;
  data: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
}

/** What a send may say about its recipient inline; upserted on the way (id required). */
export type SubscriberInput = { id: string } & Partial<
  Pick<Subscriber, 'email' | 'phone' | 'locale' | 'timezone' | 'name' | 'avatar_url' | 'data'>
>;

/** A push address of a subscriber. */
export type DeviceKind = 'webpush' | 'fcm' | 'apns';

export interface Device {
  /** `dev_…`. */
  id: string;
  tenant_id: string;
  subscriber_id: string;
  kind: DeviceKind;
  /** webpush: the push service URL. */
  endpoint: string | null;
  /** webpush: the browser's keys (base64url). */
  keys: { p256dh: string; auth: string } | null;
  /** fcm, apns: the registration token. */
  token: string | null;
  active: boolean;
  last_used_at: number | null;
  failure_count: number;
  created_at: number;
  updated_at: number;
}

/** A category of notifications (`/categories`). */
export interface Category {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  /** The channels a subscriber gets for this category until they say otherwise. */
  default_channels: Channel[];
  /** A subscriber cannot switch a mandatory category off. */
  mandatory: boolean;
  parent: string | null;
}

/**
 * Recipients read ahead for a page of sends, so that each send of the page reads nothing of
 * its own: subscribers and their active devices (directory), preferences (preferences).
 */
export interface KnownRecipients {
  subscribers: ReadonlyMap<string, Subscriber>;
  devices: ReadonlyMap<string, Device[]>;
  /** Each subscriber's stored preference document, as PreferenceService.documents gave it. */
  preferences?: ReadonlyMap<string, PreferenceDocumentRef>;
}

/** A subscriber's stored preferences, opaque to sending: read ahead, handed back to decide. */
export type PreferenceDocumentRef = { readonly data: Record<string, unknown> };

/** Recipients, their push addresses, categories and topics: the recipients module's service. */
export interface RecipientDirectory {
  /** Creates the subscriber or updates the fields given; returns the stored subscriber. */
  upsert(tenantId: string, input: SubscriberInput): Promise<Subscriber>;
  get(tenantId: string, id: string): Promise<Subscriber | null>;
  /** The subscriber's active devices, oldest first. */
  activeDevices(tenantId: string, subscriberId: string): Promise<Device[]>;
  /**
   * What sending needs of many recipients, read at once (a page of a topic send): the stored
   * subscribers and the active devices of each, by id. An absent subscriber is not stored.
   */
  readMany(tenantId: string, ids: string[]): Promise<KnownRecipients>;
  /** After a provider said the address is gone (404/410, unregistered token). */
  deactivateDevice(tenantId: string, deviceId: string, reason: string): Promise<void>;
  category(tenantId: string, id: string): Promise<Category | null>;
  /**
   * One page of a topic's members in a stable order, after `after` (a member id from the
   * previous page); `next` is null on the last page. Null when the topic does not exist.
   */
  topicMembers(
    tenantId: string,
    key: string,
    after: string | null,
    limit: number,
  ): Promise<{ ids: string[]; next: string | null } | null>;
}

/** Why routing dropped a channel for a recipient. */
export type SkipReason =
  | 'global_disabled'
  | 'channel_disabled'
  | 'category_disabled'
  | 'category_muted'
  | 'not_requested'
  | 'not_in_template'
  | 'no_device'
  | 'no_phone'
  | 'no_email'
  | 'no_provider'
  /** The recipient takes this channel as a digest: the notification waits in it. */
  | 'digest';

/** What a recipient's preferences say about one channel of one notification. */
export type ChannelDecision =
  | { deliver: true }
  | { deliver: false; reason: SkipReason }
  /** Quiet hours: deliver, but not before `until`. */
  | { deliver: true; defer_until: number }
  /** The recipient takes this channel as a digest: collect it instead of sending it. */
  | { deliver: true; digest: true };

/** What the preferences module decides for one notification. */
export interface PreferenceQuery {
  tenantId: string;
  subscriberId: string;
  /** The notification's category (null: none). */
  category: string | null;
  channels: readonly Channel[];
  priority: Priority | 'urgent';
  now: number;
  /** False for a send that is itself a digest: no channel of it is collected again. */
  digest?: boolean;
  /**
   * Read ahead (a page of a topic send): the subscriber's stored preferences (null: none),
   * and the subscriber (for the time zone of quiet hours). Absent: decide reads them.
   */
  known?: { document: PreferenceDocumentRef | null; subscriber: Subscriber | null };
}

/** Preferences: the recipients module's service for routing. */
export interface PreferenceService {
  /** One decision per channel asked; mandatory categories ignore opt-outs and mutes. */
  decide(query: PreferenceQuery): Promise<Record<string, ChannelDecision>>;
  /** The stored preferences of many subscribers with one read, for `known` (absent: none). */
  documents(tenantId: string, ids: string[]): Promise<Map<string, PreferenceDocumentRef>>;
}

/** A template as routing sees it after rendering. */
export interface RenderedTemplate {
  template: {
    id: string;
    key: string;
    version: number;
    category: string | null;
    /** The priority of its notifications when the send gives none. */
    priority: Priority | null;
    /** Their lifetime in seconds when the send gives none. */
    ttl_seconds: number | null;
  };
  /** The channels the template has content for. */
  channels: Channel[];
  /** Each channel's content, rendered with the payload in the chosen locale. */
  contents: RenderedContent;
}

/** Templates: the templates module's service for sending. */
export interface TemplateRenderer {
  /**
   * Renders every channel of the active template named by id or key. Throws the error
   * envelope's errors: TEMPLATE_NOT_FOUND (404), MISSING_VARIABLE / TEMPLATE_RENDER_ERROR
   * (400, naming the variable and the channel).
   */
  render(
    tenantId: string,
    idOrKey: string,
    payload: Record<string, unknown>,
    options?: { locale?: string | null; channels?: readonly Channel[] },
  ): Promise<RenderedTemplate>;
}

/** A notification that went to its recipient's digest instead of being sent. */
export interface DigestItem {
  tenant_id: string;
  recipient_id: string;
  notification_id: string;
  /** The channels it was routed to as a digest. */
  channels: Channel[];
  category: string;
  title: string;
  body: string;
  action_url: string | null;
  group_key: string | null;
  data: Record<string, unknown> | null;
  created_at: number;
}

/** Digests: the digests module's service; collects what routing sent to a digest. */
export interface DigestCollector {
  /** Adds notifications to their recipients' open digests (once per notification). */
  collect(items: readonly DigestItem[]): Promise<void>;
}

/**
 * Workflows: the workflows module's runs; `POST /notifications` with `workflow` starts one
 * (the module is built after this one: asked when used).
 */
export interface WorkflowRunner {
  start(
    tenantId: string,
    workflow: string,
    input: { recipient_id: string; payload?: Record<string, unknown>; cancellation_key?: string },
  ): Promise<{ run_id: string; status: 'running' }>;
}

/** What a workflow condition may know of a notification; null when it is gone. */
export interface NotificationFacts {
  facts(tenantId: string, id: string): Promise<Record<string, unknown> | null>;
}

/**
 * A consumer of the events sends emit that buffers them (analytics): a topic send's fan-out
 * runs in the background, so between pages it lets such a buffer drain instead of filling it
 * with a whole topic's events at once.
 */
export interface EventBacklog {
  /** Events buffered, not yet written. */
  readonly pending: number;
  /** Resolves once what is buffered is written. */
  flush(): Promise<void>;
}
