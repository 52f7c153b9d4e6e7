/**
 * The notifications module's options: the in-app feed (feed.*), sending (notifications.*),
 * and the offline queue and ack tracking (realtime.queue.*, realtime.ack.*).
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, type SectionOf, sectionCheck } from '../core/option-spec.js';

/** One per-user cap override (`notifications.caps.overrides`). */
const CapRuleSchema = Type.Object(
  {
    channel: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'push, in_app, email, sms, webhook…',
    }),
    max: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: 'Per user and window; 0: no cap.',
    }),
    window: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

/** The in-app feed and sending. */
export const NOTIFICATION_OPTIONS = defineOptions([
  {
    path: 'feed.default_limit',
    type: 'integer',
    default: 20,
    min: 1,
    max: 1000,
    doc: 'Page size of GET /me/notifications when the request names none.',
  },
  {
    path: 'feed.max_limit',
    type: 'integer',
    default: 100,
    min: 1,
    max: 1000,
    doc: 'Largest page size a client may ask for.',
  },
  {
    path: 'feed.cursor_secret',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Key that signs feed cursors. Empty: derived from the JWT secret, else random per process (set it when several nodes serve one feed).',
  },
  {
    path: 'feed.export_max_rows',
    type: 'integer',
    default: 10000,
    min: 1,
    max: 100000,
    doc: 'Most notifications one GET /me/notifications/export answers (newest first; the answer says when it was cut).',
  },
  {
    path: 'notifications.idempotency_ttl_s',
    type: 'integer',
    default: 86400,
    min: 60,
    max: 2592000,
    doc: 'How long an idempotency key refuses a second send (409 DUPLICATE_NOTIFICATION).',
  },
  {
    path: 'notifications.retention_days',
    type: 'integer',
    default: 90,
    min: 0,
    max: 36500,
    doc: 'Notifications older than this many days are deleted for good, with their deliveries, by an hourly cleanup. 0: kept forever.',
  },
  {
    path: 'notifications.caps.enabled',
    type: 'boolean',
    default: true,
    doc: 'Per-user channel caps: a non-urgent delivery past the user’s cap for its channel and window is deferred to the next window with room (see docs/scheduler.md).',
  },
  {
    path: 'notifications.caps.push_per_hour',
    type: 'integer',
    default: 10,
    min: 0,
    max: 1000000,
    doc: 'Push notifications per user per hour (UTC clock hours). 0: no cap.',
  },
  {
    path: 'notifications.caps.in_app_per_hour',
    type: 'integer',
    default: 100,
    min: 0,
    max: 1000000,
    doc: 'In-app notifications per user per hour (UTC clock hours); a deferred one enters the feed at the next hour. 0: no cap.',
  },
  {
    path: 'notifications.caps.email_per_day',
    type: 'integer',
    default: 20,
    min: 0,
    max: 1000000,
    doc: 'Emails per user per day (UTC days). 0: no cap.',
  },
  {
    path: 'notifications.caps.max_deferred',
    type: 'integer',
    default: 100,
    min: 0,
    max: 100000,
    doc: 'Most deliveries deferred ahead per user, channel and cap; past it a send is refused with 429 USER_CAP_EXCEEDED.',
  },
  {
    path: 'notifications.caps.overrides',
    type: 'objects',
    item: CapRuleSchema,
    default: [],
    doc: 'Caps per category and per tenant, the most specific first (tenant and category, tenant, category, then the defaults), e.g. [{channel: push, max: 2, window: hour, category: marketing}, {channel: email, max: 100, window: day, tenant: acme}]. A category rule counts that category’s sends apart from the channel’s others.',
  },
]);

/** The offline queue and ack tracking of in-app notifications (under `realtime`, where Ara keeps them). */
export const TRACKING_OPTIONS = defineOptions([
  {
    path: 'realtime.queue.enabled',
    type: 'boolean',
    default: false,
    env: ['QUEUE_ENABLED'],
    doc: 'Offline queue: a notification for a user with no open session (on any node) is queued and sent first when one connects. Costs one more store write per such notification; the feed keeps everything either way.',
  },
  {
    path: 'realtime.queue.max_size_per_user',
    type: 'integer',
    default: 100,
    min: 1,
    max: 10000,
    env: ['QUEUE_MAX_SIZE_PER_USER'],
    doc: 'Most queued notifications per user; past it the oldest are dropped (they stay in the feed).',
  },
  {
    path: 'realtime.queue.ttl_s',
    type: 'integer',
    default: 3600,
    min: 1,
    max: 2592000,
    env: ['QUEUE_MESSAGE_TTL_SECONDS'],
    doc: 'How long a notification waits in the offline queue before it is dropped (it stays in the feed).',
  },
  {
    path: 'realtime.queue.cleanup_interval_s',
    type: 'integer',
    default: 300,
    min: 1,
    max: 86400,
    env: ['QUEUE_CLEANUP_INTERVAL_SECONDS'],
    doc: 'How often expired entries are removed from the offline queue.',
  },
  {
    path: 'realtime.ack.enabled',
    type: 'boolean',
    default: false,
    env: ['ACK_ENABLED'],
    doc: 'Ack tracking: an in-app notification sent to an open session is pending until a session acks it; unacked after realtime.ack.timeout_s it is expired, redelivered to the next session and may trigger the fallback channel. Costs one more store write per notification.',
  },
  {
    path: 'realtime.ack.timeout_s',
    type: 'integer',
    default: 30,
    min: 1,
    max: 86400,
    env: ['ACK_TIMEOUT_SECONDS'],
    doc: 'How long a session has to ack an in-app notification before it counts as expired.',
  },
  {
    path: 'realtime.ack.sweep_interval_s',
    type: 'integer',
    default: 5,
    min: 1,
    max: 3600,
    env: ['ACK_CLEANUP_INTERVAL_SECONDS'],
    doc: 'How often pending acks are checked for expiry; an expiry is noticed up to this much late.',
  },
  {
    path: 'realtime.ack.fallback_channel',
    type: 'string',
    default: '',
    doc: 'A channel (e.g. push) to queue a delivery on when an in-app notification expires unacked. Empty: none.',
  },
  {
    path: 'realtime.ack.fallback_skip_when_online',
    type: 'boolean',
    default: true,
    doc: 'Skip the fallback channel when the user has an open session (is active in-app) at expiry.',
  },
]);

/** The in-app feed's settings as loaded: `feed.*`. */
export type FeedOptions = SectionOf<typeof NOTIFICATION_OPTIONS, 'feed'>;

/** Sending settings as loaded: `notifications.*`. */
export type NotificationOptions = SectionOf<typeof NOTIFICATION_OPTIONS, 'notifications'>;

/** The offline queue's and ack tracking's settings as loaded: `realtime.queue`, `realtime.ack`. */
export type TrackingOptions = SectionOf<typeof TRACKING_OPTIONS, 'realtime'>;

/** A feed page by default may not be larger than the largest a client may ask for. */
export const checkNotificationOptions = sectionCheck('feed', (feed: FeedOptions, report) => {
  if (feed.default_limit > feed.max_limit) {
    report(
      'feed.default_limit',
      feed.default_limit,
      `must not exceed feed.max_limit (${feed.max_limit}); lower it or raise feed.max_limit`,
    );
  }
});
