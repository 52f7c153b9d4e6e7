/** Trigger options (triggers.*): notifications triggered by Redis pub/sub, as Ara takes them. */
import { defineOptions, type SectionOf, sectionCheck } from '../core/option-spec.js';

/** Redis pub/sub triggers in the Ara notification service's format. */
export const TRIGGER_OPTIONS = defineOptions([
  {
    path: 'triggers.redis.enabled',
    type: 'boolean',
    default: false,
    env: ['REDIS_TRIGGERS_ENABLED'],
    doc: "Listen for notification triggers published to Redis in the Ara notification service's format (see docs/realtime.md, Redis triggers), so services that publish to Ara work unchanged.",
  },
  {
    path: 'triggers.redis.channels',
    type: 'list',
    default: ['notification:user:*', 'notification:broadcast', 'notification:channel:*'],
    env: ['REDIS_CHANNELS'],
    doc: 'Redis channels to listen on; names with *, ? or [ are patterns (PSUBSCRIBE). The channel only decides whether a message is heard: its payload names the target.',
  },
  {
    path: 'triggers.redis.url',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Redis to listen on for triggers, when not store.redis.url (REDIS_URL). Empty: store.redis.url.',
  },
  {
    path: 'triggers.redis.lease_ttl_ms',
    type: 'integer',
    default: 10000,
    min: 300,
    max: 600000,
    doc: 'In cluster mode one node acts on triggers while it holds a lease in Redis, renewed every third of this; when it dies another node takes over within about this long, and triggers published in between are missed.',
  },
]);

/** Trigger settings as loaded: `triggers.*`. */
export type TriggerOptions = SectionOf<typeof TRIGGER_OPTIONS, 'triggers'>;

/** Listening for triggers on no channel at all is a mistake, not a way to turn them off. */
export const checkTriggerOptions = sectionCheck('triggers', ({ redis }: TriggerOptions, report) => {
  if (redis.enabled && redis.channels.length === 0) {
    report(
      'triggers.redis.channels',
      redis.channels,
      'must name at least one channel while triggers.redis.enabled is true, e.g. notification:user:*',
    );
  }
});
