/**
 * The provider plugin API: what a channel provider (web push, FCM, APNs, Twilio, SMTP,
 * webhook, console, or a third-party package) implements, and what the delivery worker
 * hands it. Built-ins live in `plugins/<name>/`; others load by package name or path from
 * the configuration. A plugin never touches the store: it gets one message, says what
 * happened, and the worker settles the delivery (retry with backoff, failover to the next
 * provider of the channel, dead letter after the last try, device deactivated when the
 * address is gone).
 */
import type { TSchema } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ChannelContents } from '../notifications/channels.js';
import type { Device, DeviceKind, Subscriber } from '../notifications/ports.js';

/** A channel a provider serves: a built-in one, or one a plugin adds (e.g. `chat`). */
export type ProviderChannel = keyof ChannelContents | (string & {});

/** The content a provider of channel `C` receives (a plugin's own channel: any JSON). */
export type ContentOf<C extends string> = C extends keyof ChannelContents
  ? ChannelContents[C]
  : Record<string, unknown>;

/** One delivery, as a provider sees it. */
export interface ProviderMessage<C extends string = ProviderChannel> {
  /** The delivery's id (`dlv_…`): stable across retries, so a provider can deduplicate. */
  delivery_id: string;
  notification_id: string;
  tenant_id: string;
  channel: C;
  /** The subscriber with their email, phone, locale and time zone. */
  recipient: Subscriber;
  /** Push channels: the device this delivery goes to (one delivery per active device). */
  device: Device | null;
  /** The rendered content of this channel. */
  content: ContentOf<C>;
  /** 1 on the first try. */
  attempt: number;
  /** The notification's category (email: what its one-click unsubscribe turns off). */
  category?: string;
  /** The notification's priority, for providers that map it (FCM, APNs, web push urgency). */
  priority: 'low' | 'normal' | 'high' | 'urgent';
  /** Seconds the message is still worth delivering (push TTL); null: the provider's default. */
  ttl_seconds: number | null;
  /**
   * The notification's group key, when it has one: web push `Topic`, APNs `apns-collapse-id`,
   * FCM collapse key, so that a newer notification of the group replaces an undelivered one.
   */
  group_key?: string | null;
}

/** Why a send failed, which decides what the worker does next. */
export type FailureKind =
  /** Try again later (timeouts, 429, 5xx): backoff, then failover after the last try. */
  | 'retryable'
  /** The provider refused this message for good (bad content, auth): next provider or dead letter. */
  | 'permanent'
  /** The address is gone (web push 404/410, unregistered token, invalid number): device deactivated. */
  | 'invalid_recipient';

/** What `send` resolves to. A plugin should not throw; a throw counts as `retryable`. */
export type SendResult =
  | {
      ok: true;
      provider_message_id: string | null;
      /**
       * Whether the provider reports the outcome later, so that the delivery stays `sent`
       * and `notification.delivered` waits for that report: `true`, a status callback
       * notifyd receives (Twilio's); `'poll'`, notifyd asks the plugin's `status` on a
       * durable schedule (`delivery.status_poll.*`) until it answers delivered or failed.
       * Absent or false: accepted is as delivered as this provider can tell. Either way, a
       * delivery is confirmed once, whichever report comes first.
       */
      confirms_later?: boolean | 'poll';
    }
  | {
      ok: false;
      kind: FailureKind;
      /** What went wrong, for the delivery's `last_error` and the dead letter (no secrets). */
      message: string;
      /** The provider's own error code, when it has one (`messaging/registration-token-not-registered`, `21211`…). */
      code?: string;
      /** When the provider said when to come back (Retry-After). */
      retry_after_ms?: number;
    };

/** What a provider says now of a message it accepted (`Provider.status`). */
export type MessageStatus =
  /** Not final yet (queued, sending, sent…): asked again later, up to `delivery.status_poll.max_polls`. */
  | { state: 'pending'; detail?: string }
  /** It reached the recipient: the delivery becomes `delivered`. */
  | { state: 'delivered' }
  /** It never will (undelivered, failed): the delivery becomes `failed`, a dead letter. */
  | { state: 'failed'; message: string; code?: string };

/** Links to notifyd a provider may put in what it sends (from `server.public_url`). */
export interface ProviderLinks {
  /** notifyd's public address without a trailing slash (`server.public_url`); null when unset. */
  publicUrl: string | null;
  /**
   * The signed one-click unsubscribe URL (RFC 8058) that turns email of `category` off for
   * the recipient; null when `server.public_url` (or `encryption.key`, which signs it) is unset.
   */
  unsubscribe(tenantId: string, recipientId: string, category: string): string | null;
}

/** What a plugin's `create` gets besides its options. */
export interface ProviderContext {
  /** Links to notifyd (absent when a plugin is created outside the daemon, e.g. in a test). */
  links?: ProviderLinks;
  /** The provider's configured name (several instances of one plugin may run). */
  name: string;
  /** Its log lines carry `provider: name` already. */
  logger: Logger;
  clock: Clock;
  /** Aborted when the daemon stops: in-flight sends should give up promptly. */
  signal: AbortSignal;
}

/** A running provider. */
export interface Provider<C extends string = ProviderChannel> {
  send(message: ProviderMessage<C>): Promise<SendResult>;
  /**
   * The provider's word now on a message it accepted with `confirms_later: 'poll'`, by the
   * `provider_message_id` its `send` answered. A throw counts as not final yet.
   */
  status?(providerMessageId: string): Promise<MessageStatus>;
  /** `POST /providers/{channel}/test`: checks credentials and reachability without sending to a user. */
  test?(): Promise<{ ok: true; detail?: string } | { ok: false; message: string }>;
  close?(): Promise<void>;
}

/** A provider plugin: a module's default export, made with `definePlugin`. */
export interface ProviderPlugin<O = unknown, C extends string = ProviderChannel> {
  /** The plugin's name (`webpush`, `fcm`, …): what `providers.<channel>[].plugin` names. */
  name: string;
  channel: C;
  /** Validates the provider's options from the configuration (TypeBox), defaults applied. */
  options: TSchema;
  /**
   * Push plugins: the kinds of device they reach (`webpush`, `fcm`, `apns`). A push delivery
   * goes only to the providers that reach its device's kind; absent: every kind.
   */
  devices?: readonly DeviceKind[];
  /** Option names that hold secrets: masked in logs, `config show` and `GET /providers`. */
  secrets?: readonly string[];
  create(options: O, ctx: ProviderContext): Provider<C> | Promise<Provider<C>>;
}

/** Declares a provider plugin (typing only: returns what it is given). */
export function definePlugin<O, C extends string>(
  plugin: ProviderPlugin<O, C>,
): ProviderPlugin<O, C> {
  return plugin;
}
