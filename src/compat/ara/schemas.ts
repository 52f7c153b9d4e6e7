/**
 * The Ara notification service's HTTP shapes (its docs/en/03-api-reference.md), as TypeBox
 * schemas: they validate Ara's requests and document its answers in /openapi.json.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CHANNEL_PATTERN } from '../../notifications/user-channel.js';

/** Ara spells priorities in PascalCase; notifyd's lowercase is accepted too. */
export const ARA_PRIORITIES = ['Low', 'Normal', 'High', 'Critical'] as const;
export type AraPriority = (typeof ARA_PRIORITIES)[number];
const Priority = Type.Union(
  ARA_PRIORITIES.flatMap((p) => [Type.Literal(p), Type.Literal(p.toLowerCase())]),
  { description: 'Low, Normal (the default), High or Critical.' },
);

const UserId = Type.String({ minLength: 1, maxLength: 256 });
const Channel = Type.String({ pattern: CHANNEL_PATTERN });
const Payload = Type.Record(Type.String(), Type.Unknown());

/** What every Ara send carries: an event, or a template and its variables. */
const Event = {
  event_type: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
      description: 'What happened, e.g. order.created; required unless template_id is given.',
    }),
  ),
  payload: Type.Optional(Payload),
  priority: Type.Optional(Priority),
  ttl: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 2_419_200, description: 'Seconds it stays relevant.' }),
  ),
  template_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  variables: Type.Optional(Payload),
  correlation_id: Type.Optional(Type.String({ maxLength: 256 })),
};
export type AraEvent = Static<typeof AraEventSchema>;
const AraEventSchema = Type.Object(Event);

export const SendBody = Type.Object({ target_user_id: UserId, ...Event });
export const SendToUsersBody = Type.Object({
  target_user_ids: Type.Array(UserId, { minItems: 1, maxItems: 1000 }),
  ...Event,
});
export const BroadcastBody = Type.Object(Event);
export const ChannelBody = Type.Object({ channel: Channel, ...Event });
export const ChannelsBody = Type.Object({
  channels: Type.Array(Channel, { minItems: 1, maxItems: 100 }),
  ...Event,
});

const BatchTarget = Type.Union([
  Type.Object({ type: Type.Literal('user'), id: UserId }),
  Type.Object({ type: Type.Literal('channel'), name: Channel }),
]);
export const AraBatchBody = Type.Object({
  notifications: Type.Array(Type.Object({ target: BatchTarget, ...Event }), {
    minItems: 1,
    maxItems: 100,
  }),
  atomic: Type.Optional(Type.Boolean()),
});
export type AraBatchBody = Static<typeof AraBatchBody>;

/** Whether a batch body is Ara's: its items name a `target` (notifyd's never do). */
export function isAraBatch(body: unknown): boolean {
  const items = (body as { notifications?: unknown } | null)?.notifications;
  return (
    Array.isArray(items) && items.some((i) => typeof i === 'object' && i !== null && 'target' in i)
  );
}

const Id = Type.String({
  description: 'notifyd notification id (ntf_…) or live message id (msg_…).',
});
export const SendReply = Type.Object({
  notification_id: Id,
  delivered_to: Type.Integer(),
  queued: Type.Boolean(),
});
export const SendToUsersReply = Type.Object({
  notification_id: Type.String({ description: 'The request id; each user has their own below.' }),
  results: Type.Record(
    Type.String(),
    Type.Object({
      delivered: Type.Boolean(),
      connections: Type.Optional(Type.Integer()),
      queued: Type.Optional(Type.Boolean()),
      notification_id: Type.String(),
    }),
  ),
});
export const BroadcastReply = Type.Object({ notification_id: Id, delivered_to: Type.Integer() });
export const ChannelReply = Type.Object({
  notification_id: Id,
  channel: Type.String(),
  delivered_to: Type.Integer(),
});
export const ChannelsReply = Type.Object({
  notification_id: Id,
  channels: Type.Record(Type.String(), Type.Object({ delivered_to: Type.Integer() })),
  total_delivered: Type.Integer(),
});
export const AraBatchReply = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      success: Type.Boolean(),
      notification_id: Type.Optional(Type.String()),
      error: Type.Optional(Type.String()),
    }),
  ),
  successful: Type.Integer(),
  failed: Type.Integer(),
});

export const HealthReply = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded')]),
  version: Type.String(),
  uptime_seconds: Type.Integer(),
  redis: Type.Object({
    status: Type.Union([
      Type.Literal('healthy'),
      Type.Literal('unhealthy'),
      Type.Literal('disabled'),
    ]),
    connected: Type.Boolean(),
  }),
});
export const StatsReply = Type.Object({
  connections: Type.Object({
    total: Type.Integer(),
    websocket: Type.Integer(),
    sse: Type.Integer(),
  }),
  users: Type.Object({ connected: Type.Integer(), with_multiple_connections: Type.Integer() }),
  channels: Type.Object({ active: Type.Integer(), total_subscriptions: Type.Integer() }),
  messages: Type.Object({
    sent_today: Type.Integer(),
    delivered_today: Type.Integer(),
    failed_today: Type.Integer(),
  }),
});
const ChannelInfo = { name: Type.String(), subscribers: Type.Integer() };
export const ChannelList = Type.Object({ channels: Type.Array(Type.Object(ChannelInfo)) });
export const ChannelDetail = Type.Object({
  ...ChannelInfo,
  created_at: Type.String({ format: 'date-time', description: 'Its first subscription here.' }),
});
export const NameParams = Type.Object({ name: Channel });
export const UserParams = Type.Object({ user_id: UserId });
export const SubscriptionsReply = Type.Object({
  user_id: Type.String(),
  subscriptions: Type.Array(Type.String()),
  connections: Type.Integer(),
});

export type Body<T extends TSchema> = Static<T>;
