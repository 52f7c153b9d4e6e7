/**
 * notifyd's own events, recorded from the event bus: notification events (sent, delivered,
 * read… with channel, category, template as the engine reports them), rate-limit decisions
 * (once per key and window), and configuration changes as `audit.change` events, which the
 * compliance-audit report reads. New bus events of these families are recorded as they are
 * added to the catalogue, with no change here: an admin object kind joins the audit log by
 * declaring change events (src/objects/change-events.ts) whose names end with a verb below.
 */
import type { EventBus } from '../events/bus.js';
import type { AnyEvent } from '../events/types.js';
import type { Ingestor } from './ingest.js';
import { NOTIFYD_EVENT_ID, OCCURRENCES } from './store.js';

/** Rate-limit events that are decisions about a key (the rest are configuration or health). */
const LIMIT_EVENTS = new Set([
  'ratelimit.limit_exceeded',
  'ratelimit.limit_approached',
  'ratelimit.burst_used',
  'ratelimit.penalty_box_entered',
]);

/**
 * Configuration changes: `<module>.<object>_<verb>` or `<module>.<object>.<verb>` with these
 * verbs (`ratelimit.policy_created`, `notification.template.deleted`, `api_key.revoked`,
 * `analytics.report_schedule.paused`, `analytics.alert.acknowledged`).
 */
export const AUDIT_ACTIONS = [
  'created',
  'updated',
  'deleted',
  'enabled',
  'disabled',
  'assigned',
  'unassigned',
  'reverted',
  'configured',
  'removed',
  'revoked',
  'paused',
  'resumed',
  'acknowledged',
  'erased',
] as const;
const CHANGE = new RegExp(`[._](${AUDIT_ACTIONS.join('|')})$`);

/** Changes that are not an operator's: a subscriber's own preferences. */
const NOT_ADMIN = new Set(['notification.preference_updated']);

/** The tenant of events that belong to none (a global policy changed). */
const GLOBAL_TENANT = '_global';

/** Top-level text, number and boolean fields of a payload, as properties. */
function flatten(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/**
 * The channels a notification was routed to (`notification.accepted`), kept as a sorted
 * list: a query filters with `channels contains sms` or groups by the combination. Not a
 * rollup dimension (its values are combinations of channels, few, but queries by it read
 * raw events); other lists of a payload (notification ids) are not kept.
 */
function channelsOf(data: Record<string, unknown>): { channels?: string[] } {
  const { channels } = data;
  if (!Array.isArray(channels) || !channels.every((c) => typeof c === 'string')) return {};
  return { channels: [...channels].sort() };
}

/** An analytics event made from a bus event. */
export interface RecordedEvent {
  type: string;
  userId: string | null;
  properties: Record<string, unknown>;
  /** Its idempotency id (`notifyd:…`): a second event with it is not stored. */
  eventId?: string;
}

/** What the recipient does in the feed: counted per notification, not per request. */
const FEED_EVENTS = new Set(['notification.read', 'notification.dismissed', 'notification.action']);

/**
 * A feed event as one analytics event per notification it changed, each with its
 * `notification_id` and the idempotency id `notifyd:<type>:<id>` (a notification is counted
 * once however many times, sessions or nodes report it), or, for a read-all or dismiss-all
 * (no ids: the store counts what changed), one event standing for `count` notifications.
 * The feed is the in-app channel: `channel: in_app`, so rates by channel line up with the
 * in-app notifications committed to feeds.
 */
function feedEventsOf(event: AnyEvent, base: RecordedEvent): RecordedEvent[] {
  const data = event.data as Record<string, unknown>;
  // `count` is how many the bus event changed: each record stands for one (or `occurrences`).
  const { count: _count, ...rest } = base.properties;
  const properties = { ...rest, channel: 'in_app' };
  const ids = Array.isArray(data.notification_ids)
    ? (data.notification_ids as string[])
    : typeof data.notification_id === 'string'
      ? [data.notification_id]
      : [];
  if (ids.length === 0) {
    const n = typeof data.count === 'number' && data.count > 0 ? data.count : 1;
    return [
      {
        ...base,
        properties: { ...properties, [OCCURRENCES]: n },
        eventId: `${NOTIFYD_EVENT_ID}${event.type}:${event.id}`,
      },
    ];
  }
  return [...new Set(ids)].map((id) => ({
    ...base,
    properties: { ...properties, notification_id: id },
    eventId: `${NOTIFYD_EVENT_ID}${event.type}:${id}`,
  }));
}

/** What a bus event is recorded as: none when analytics has no use for it. */
export function analyticsEventsOf(event: AnyEvent): RecordedEvent[] {
  const found = analyticsEventOf(event);
  if (!found) return [];
  return FEED_EVENTS.has(event.type) ? feedEventsOf(event, found) : [found];
}

/** What a bus event is recorded as, or null when analytics has no use for it. */
export function analyticsEventOf(event: AnyEvent): RecordedEvent | null {
  const type: string = event.type;
  const data = event.data as Record<string, unknown>;
  if (CHANGE.test(type) && !NOT_ADMIN.has(type)) {
    const props = flatten(data);
    const cut = Math.max(type.lastIndexOf('_'), type.lastIndexOf('.'));
    const action = type.slice(cut + 1);
    // Never an object's `created_by`: a bypass deleted by another key would name its creator.
    const { actor } = props;
    return {
      type: 'audit.change',
      userId: null,
      properties: {
        change: type,
        object: type.slice(0, cut),
        action,
        object_id:
          props.id ??
          props.template_id ??
          props.key_id ??
          props.provider ??
          props.topic_key ??
          props.alert_id ??
          props.subscriber_id ??
          null,
        name:
          props.topic_key ??
          props.name ??
          props.key ??
          props.provider ??
          props.rule_name ??
          props.subscriber_id ??
          null,
        ...(typeof actor === 'string' ? { actor } : {}),
      },
    };
  }
  if (type.startsWith('notification.') || type.startsWith('delivery.')) {
    const user = data.recipient_id ?? data.user_id ?? data.subscriber_id;
    return {
      type,
      userId: typeof user === 'string' ? user : null,
      properties: { ...flatten(data), ...channelsOf(data) },
    };
  }
  if (LIMIT_EVENTS.has(type)) return { type, userId: null, properties: flatten(data) };
  return null;
}

/**
 * Subscribes the ingestor to the bus; answers what unsubscribes it. A notification accepted
 * with `in_app` among its channels is committed to its recipient's feed: that is the in-app
 * channel's send, tallied (no event of its own) as `notification.sent` with channel `in_app`.
 */
export function recordBusEvents(bus: EventBus, ingestor: Ingestor): () => void {
  return bus.subscribe((event) => {
    const found = analyticsEventsOf(event);
    if (found.length === 0) return;
    const tenant = event.tenant_id ?? GLOBAL_TENANT;
    const at = Date.parse(event.created_at);
    for (const e of found) {
      const opts = e.eventId ? { eventId: e.eventId } : {};
      ingestor.enqueue(ingestor.record(e.type, tenant, e.userId, e.properties, at, opts));
    }
    if (event.type === 'notification.accepted' && event.data.channels.includes('in_app')) {
      ingestor.tally.sent(tenant, event.data.category, event.data.template, at);
    }
  });
}
