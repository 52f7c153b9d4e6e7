/** Outgoing webhooks' options (webhooks.*). */
import { reportBadRanges } from '../core/ip-ranges.js';
import { defineOptions, type SectionOf, sectionCheck } from '../core/option-spec.js';

/** Delivery timeouts, retries, queueing and the networks deliveries may not reach. */
export const WEBHOOK_OPTIONS = defineOptions([
  {
    path: 'webhooks.timeout_ms',
    type: 'integer',
    default: 10000,
    min: 1,
    max: 300000,
    doc: 'How long one webhook delivery may take (connect, send, answer headers) before it counts as failed and is retried.',
  },
  {
    path: 'webhooks.max_attempts',
    type: 'integer',
    default: 5,
    min: 1,
    max: 50,
    doc: 'Attempts per event and webhook, the first included; a network error, a timeout, a 5xx or a 429 is retried, any other answer is final.',
  },
  {
    path: 'webhooks.retry_base_ms',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 3600000,
    doc: 'Delay before the first retry; each further retry waits twice as long (with random jitter), up to webhooks.retry_max_ms. A Retry-After answer is waited for instead.',
  },
  {
    path: 'webhooks.retry_max_ms',
    type: 'integer',
    default: 300000,
    min: 1,
    max: 86400000,
    doc: 'Longest wait before a retry, a Retry-After included.',
  },
  {
    path: 'webhooks.queue_size',
    type: 'integer',
    default: 10000,
    min: 1,
    max: 10000000,
    doc: 'Deliveries waiting on this node (in memory: lost if the process dies). When full, the oldest is dropped and counted in notifyd_webhook_deliveries_total{result="dropped"}.',
  },
  {
    path: 'webhooks.concurrency',
    type: 'integer',
    default: 16,
    min: 1,
    max: 1000,
    doc: 'Webhook deliveries in flight at once on this node.',
  },
  {
    path: 'webhooks.config_cache_ms',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 600000,
    doc: 'How long a node uses its loaded webhook subscriptions before checking the store for changes; changes made on another node apply within about this long.',
  },
  {
    path: 'webhooks.denied_networks',
    type: 'list',
    default: [
      '0.0.0.0/8',
      '::/128',
      '169.254.0.0/16',
      'fe80::/10',
      '224.0.0.0/4',
      'ff00::/8',
      '100.100.100.200/32',
      'fd00:ec2::254/128',
    ],
    doc: 'Addresses and CIDR ranges webhook deliveries never connect to: a URL naming one is refused (400), and a name resolving to one fails its delivery without retry (checked on every connection, so DNS changes cannot route around it). The default keeps cloud metadata services and link-local, unspecified and multicast addresses out of reach; when tenants you do not fully trust may create webhooks, add your private networks (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8, ::1, fc00::/7).',
  },
]);

/** Webhook delivery settings as loaded: `webhooks.*`. */
export type WebhookOptions = SectionOf<typeof WEBHOOK_OPTIONS, 'webhooks'>;

/** Denied networks must be addresses or ranges, and retries may not start past their ceiling. */
export const checkWebhookOptions = sectionCheck('webhooks', (webhooks: WebhookOptions, report) => {
  reportBadRanges('webhooks.denied_networks', webhooks.denied_networks, report);
  if (webhooks.retry_base_ms > webhooks.retry_max_ms) {
    report(
      'webhooks.retry_base_ms',
      webhooks.retry_base_ms,
      `must not exceed webhooks.retry_max_ms (${webhooks.retry_max_ms}); lower it or raise webhooks.retry_max_ms`,
    );
  }
});
