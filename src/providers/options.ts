/**
 * The providers module's options: which provider plugins serve each channel
 * (`providers.<channel>`), and how the delivery workers claim, retry and give up
 * (`delivery.*`).
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  defineOptions,
  type OptionCheck,
  type ReportIssue,
  type SectionOf,
} from '../core/option-spec.js';
import { ALGORITHMS, type Algorithm } from '../ratelimit/spec.js';

/**
 * A provider's rate limit, in the rate-limit engine's words (a policy limit's): at most
 * `max_requests` sends per `window_seconds`, counted in the rate-limit store so that every
 * node sharing it counts together.
 */
export const ProviderRateLimitSchema = Type.Object(
  {
    max_requests: Type.Integer({
      minimum: 1,
      maximum: 1_000_000_000,
      description: 'Sends allowed per window, over every node sharing the rate-limit store.',
    }),
    window_seconds: Type.Integer({ minimum: 1, maximum: 86_400, description: 'The window.' }),
    algorithm: Type.Optional(
      // An enum (not a union of literals), so that a bad value is told the allowed ones.
      Type.Unsafe<Algorithm>({
        type: 'string',
        enum: [...ALGORITHMS],
        description: `How sends are counted, as in rate-limit policies: ${ALGORITHMS.join(', ')}; default fixed_window (the N-per-window a provider’s own limit usually means).`,
      }),
    ),
  },
  { additionalProperties: false },
);

/** `rate_limit` of a provider as configured. */
export type ProviderRateLimit = Static<typeof ProviderRateLimitSchema>;

/** Most sends in flight to one provider from one node (`concurrency`). */
export const ProviderConcurrencySchema = Type.Integer({
  minimum: 1,
  maximum: 10_000,
  description:
    'Most sends in flight to this provider at once from this node; default: no limit of its own (delivery.workers.concurrency bounds every provider together).',
});

/** One configured provider: a plugin instance serving a channel. */
export const ProviderEntrySchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
        description: 'Unique over every channel; default: the plugin’s own name.',
      }),
    ),
    plugin: Type.String({
      minLength: 1,
      maxLength: 500,
      description:
        'A built-in (`webpush`, `fcm`, `apns`, `twilio`, `smtp`, `webhook`, `console`), a package name, or a path to a module (relative to the working directory).',
    }),
    channel: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_-]{0,31}$',
        description:
          'The channel it serves: needed only in providers.custom for a plugin of any channel (console); elsewhere the list’s own.',
      }),
    ),
    options: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'The plugin’s options, checked against its schema at start-up; a string "$' +
          '{NAME}" is read from the environment variable NAME.',
      }),
    ),
    priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description: 'Lower goes first; default: the order listed.',
      }),
    ),
    timeout_ms: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 300000,
        description: 'How long one send may take; default: delivery.timeout_ms.',
      }),
    ),
    concurrency: Type.Optional(ProviderConcurrencySchema),
    rate_limit: Type.Optional(ProviderRateLimitSchema),
  },
  { additionalProperties: false },
);

/** A provider as configured (`providers.<channel>[i]`). */
export type ProviderEntry = Static<typeof ProviderEntrySchema>;

/** The channels the configuration names providers for; `custom` takes the plugin's channel. */
export const PROVIDER_SECTIONS = ['push', 'sms', 'email', 'webhook', 'custom'] as const;
export type ProviderSection = (typeof PROVIDER_SECTIONS)[number];

const entryDoc = (channel: string, example: string) =>
  `Providers of the ${channel} channel, tried in priority order (failover on a retryable failure or an open circuit); each is { name, plugin, options, priority, timeout_ms, concurrency, rate_limit: {max_requests, window_seconds} } (a provider at its concurrency or rate limit is passed over like an unavailable one; with none left, the delivery waits without an attempt counted), e.g. ${example}. Empty: the channel is not sent (unless no channel has a provider: see delivery.console_fallback).`;

/** Providers per channel, and the delivery workers. */
export const PROVIDER_OPTIONS = defineOptions([
  {
    path: 'providers.push',
    type: 'objects',
    item: ProviderEntrySchema,
    default: [],
    doc: entryDoc(
      'push',
      `[{plugin: webpush, options: {vapid_public_key: \${VAPID_PUBLIC}, vapid_private_key: \${VAPID_PRIVATE}, subject: "mailto:ops@example.com"}}]`,
    ),
  },
  {
    path: 'providers.sms',
    type: 'objects',
    item: ProviderEntrySchema,
    default: [],
    doc: entryDoc(
      'sms',
      `[{plugin: twilio, options: {account_sid: AC123, auth_token: \${TWILIO_TOKEN}, from: "+15550100"}}]`,
    ),
  },
  {
    path: 'providers.email',
    type: 'objects',
    item: ProviderEntrySchema,
    default: [],
    doc: entryDoc(
      'email',
      '[{plugin: smtp, options: {host: mail.example.com, port: 587, from: "no-reply@example.com"}}]',
    ),
  },
  {
    path: 'providers.webhook',
    type: 'objects',
    item: ProviderEntrySchema,
    default: [],
    doc: entryDoc('webhook', `[{plugin: webhook, options: {secret: \${HOOK_SECRET}}}]`),
  },
  {
    path: 'providers.custom',
    type: 'objects',
    item: ProviderEntrySchema,
    default: [],
    doc: `Providers of channels a plugin adds (e.g. chat): each serves the channel its plugin declares (a plugin of any channel, like console, names it with \`channel\`), e.g. [{name: slack, plugin: "@acme/notifyd-slack", options: {token: \${SLACK_TOKEN}}}]. In the file, the whole \`providers:\` may instead be one flat list, [{use: twilio, channel: sms, name: tw, priority: 1, options: {…}}, {use: "./my-plugin.js", channel: chat}]: each item goes to its channel’s list.`,
  },
  {
    path: 'delivery.console_fallback',
    type: 'boolean',
    default: true,
    doc: 'When no provider is configured at all, the built-in console serves push, sms, email and webhook (it only logs each message), so that a fresh install shows every channel working; a provider added through the API goes before it. Off: with no provider, those channels are skipped as no_provider.',
  },
  {
    path: 'delivery.workers.enabled',
    type: 'boolean',
    default: true,
    doc: 'Whether this node runs delivery workers (claims pending push, SMS, email, webhook deliveries and sends them). Off: this node only accepts notifications; another node sends them.',
  },
  {
    path: 'delivery.workers.concurrency',
    type: 'integer',
    default: 16,
    min: 1,
    max: 1000,
    doc: 'Sends in flight at once on this node, over every provider.',
  },
  {
    path: 'delivery.workers.batch_size',
    type: 'integer',
    default: 50,
    min: 1,
    max: 1000,
    doc: 'Most deliveries one claim takes from the queue.',
  },
  {
    path: 'delivery.workers.lease_ms',
    type: 'integer',
    default: 60000,
    min: 1000,
    max: 3600000,
    doc: 'How long a claimed delivery belongs to its worker; if the node dies, another sends it after this long (the window in which a delivery may be sent twice). Keep it above the providers’ timeouts.',
  },
  {
    path: 'delivery.workers.poll_interval_ms',
    type: 'integer',
    default: 500,
    min: 10,
    max: 60000,
    doc: 'How often an idle worker looks for due deliveries.',
  },
  {
    path: 'delivery.providers_reload_ms',
    type: 'integer',
    default: 5000,
    min: 100,
    max: 3600000,
    doc: 'How often a node checks the store for providers added, changed or removed through the API (PUT /providers/{name}) on another node; the node that made the change applies it at once.',
  },
  {
    path: 'delivery.max_attempts',
    type: 'integer',
    default: 5,
    min: 1,
    max: 50,
    doc: 'Attempts per delivery, the first included, before it is dead-lettered (GET /deliveries/dead).',
  },
  {
    path: 'delivery.backoff_base_ms',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 3600000,
    doc: 'Ceiling of the wait before the first retry; each further retry doubles it (full jitter: a random wait up to the ceiling), up to delivery.backoff_max_ms. A provider’s Retry-After is waited for instead.',
  },
  {
    path: 'delivery.backoff_max_ms',
    type: 'integer',
    default: 300000,
    min: 1,
    max: 86400000,
    doc: 'Longest wait before a retry, a Retry-After included.',
  },
  {
    path: 'delivery.timeout_ms',
    type: 'integer',
    default: 15000,
    min: 1,
    max: 300000,
    doc: 'How long one send may take before it counts as a retryable failure (a provider’s own timeout_ms wins).',
  },
  {
    path: 'delivery.circuit.failure_threshold',
    type: 'integer',
    default: 5,
    min: 1,
    max: 1000,
    doc: 'Retryable failures in a row that open a provider’s circuit: its deliveries go to the next provider of the channel until it recovers.',
  },
  {
    path: 'delivery.circuit.reset_ms',
    type: 'integer',
    default: 30000,
    min: 100,
    max: 3600000,
    doc: 'How long an open circuit stays open before one trial send is let through (half-open).',
  },
  {
    path: 'delivery.status_poll.first_ms',
    type: 'integer',
    default: 10000,
    min: 100,
    max: 86400000,
    doc: 'Providers that report a message’s outcome only when asked (Twilio without a status callback to notifyd: an API key, or status_callback_url elsewhere) are asked this long after the send; each answer still pending (queued, sending, sent) doubles the wait before the next poll, up to delivery.status_poll.max_ms. The polls are durable scheduler jobs (delivery.status_poll).',
  },
  {
    path: 'delivery.status_poll.max_ms',
    type: 'integer',
    default: 600000,
    min: 100,
    max: 86400000,
    doc: 'Longest wait between two status polls of one message.',
  },
  {
    path: 'delivery.status_poll.max_polls',
    type: 'integer',
    default: 8,
    min: 1,
    max: 100,
    doc: 'Status polls per message, at most; still pending after the last, the delivery stays sent (accepted, outcome unknown). The defaults ask for about half an hour.',
  },
]);

/** `providers.*` as loaded. */
export type ProvidersConfig = SectionOf<typeof PROVIDER_OPTIONS, 'providers'>;
/** `delivery.*` as loaded. */
export type DeliveryOptions = SectionOf<typeof PROVIDER_OPTIONS, 'delivery'>;

/**
 * The flat form `providers: [{use, channel, name?, priority?, timeout_ms?, options?}]` as the
 * per-channel lists: `use` is `plugin`; a channel other than push, sms, email or webhook goes
 * to `custom` with its `channel`. Answers null (after reporting) when the list is malformed.
 */
export function providersFromList(
  list: readonly unknown[],
  report: ReportIssue,
): Record<ProviderSection, Record<string, unknown>[]> | null {
  const out: Record<ProviderSection, Record<string, unknown>[]> = {
    push: [],
    sms: [],
    email: [],
    webhook: [],
    custom: [],
  };
  let ok = true;
  list.forEach((item, i) => {
    const at = `providers[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      report(at, item, 'must be a mapping { use, channel, name, priority, options }');
      ok = false;
      return;
    }
    const { use, channel, ...rest } = item as Record<string, unknown>;
    const plugin = use ?? rest.plugin;
    if (typeof plugin !== 'string' || plugin === '') {
      report(`${at}.use`, plugin, 'is required: a built-in plugin, a package name or a path');
      ok = false;
    }
    if (typeof channel !== 'string' || channel === '') {
      report(
        `${at}.channel`,
        channel,
        'is required: the channel it serves (push, sms, email, webhook or a plugin’s own)',
      );
      ok = false;
      return;
    }
    const section = PROVIDER_SECTIONS.find((s) => s === channel && s !== 'custom');
    out[section ?? 'custom'].push({ ...rest, plugin, ...(section ? {} : { channel }) });
  });
  return ok ? out : null;
}

/** Provider names are unique, retries start below their ceiling, leases outlast timeouts. */
export const checkProviderOptions: OptionCheck<{
  providers: ProvidersConfig;
  delivery: DeliveryOptions;
}> = ({ providers, delivery }, report) => {
  const seen = new Map<string, string>();
  for (const section of PROVIDER_SECTIONS) {
    providers[section].forEach((entry, i) => {
      const name = entry.name ?? entry.plugin;
      const path = `providers.${section}[${i}]`;
      const before = seen.get(name);
      if (before) {
        report(
          `${path}.name`,
          name,
          `is already the name of ${before}; give each provider a distinct name`,
        );
      } else seen.set(name, path);
    });
  }
  if (delivery.backoff_base_ms > delivery.backoff_max_ms) {
    report(
      'delivery.backoff_base_ms',
      delivery.backoff_base_ms,
      `must not exceed delivery.backoff_max_ms (${delivery.backoff_max_ms}); lower it or raise delivery.backoff_max_ms`,
    );
  }
  if (delivery.status_poll.first_ms > delivery.status_poll.max_ms) {
    report(
      'delivery.status_poll.first_ms',
      delivery.status_poll.first_ms,
      `must not exceed delivery.status_poll.max_ms (${delivery.status_poll.max_ms}); lower it or raise delivery.status_poll.max_ms`,
    );
  }
  if (delivery.timeout_ms >= delivery.workers.lease_ms) {
    report(
      'delivery.timeout_ms',
      delivery.timeout_ms,
      `must be below delivery.workers.lease_ms (${delivery.workers.lease_ms}), or a slow send could be claimed and sent again by another worker`,
    );
  }
};
