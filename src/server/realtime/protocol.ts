import { type Static, Type } from '@sinclair/typebox';
import { NotifydError } from '../../core/errors.js';
import { CHANNEL_PATTERN } from '../../notifications/user-channel.js';

const Ids = {
  notification_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  notification_ids: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 }),
  ),
};

/** A notification id as a resume point. */
export const LastId = Type.String({ minLength: 1, maxLength: 64 });

/**
 * The subprotocol a browser offers to carry its token in `Sec-WebSocket-Protocol`
 * (`new WebSocket(url, ['notifyd', 'bearer.' + jwt])`); the server answers `notifyd`.
 */
export const SUBPROTOCOL = 'notifyd';
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** How many missed notifications a resuming session is sent before it is told to page the feed. */
export const RESUME_LIMIT = 500;

/** A named channel of a tenant: letters, digits and `_ . : -`. */
const Channel = Type.String({ pattern: CHANNEL_PATTERN });

/**
 * Any frame may carry an `id`: the answer to it (`pong`, `subscribed`, `unsubscribed`,
 * `refreshed`, `done` for actions that otherwise get no answer, or `error`) carries the same
 * `id` at its top level, so a client can match answers to what it sent.
 */
const CorrelationId = { id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) };

/** Frames a client may send. */
export const ClientFrame = Type.Union([
  Type.Object({
    type: Type.Literal('authenticate'),
    token: Type.String({ minLength: 1 }),
    /** The last notification id the client saw: what came after it is sent first. */
    last_id: Type.Optional(LastId),
    /** Get `presence` frames when a session of this user opens or closes. */
    presence: Type.Optional(Type.Boolean()),
    ...CorrelationId,
  }),
  Type.Object({ type: Type.Literal('ping'), ...CorrelationId }),
  Type.Object({ type: Type.Literal('ack'), ...Ids, ...CorrelationId }),
  Type.Object({ type: Type.Literal('mark_read'), ...Ids, ...CorrelationId }),
  Type.Object({
    type: Type.Literal('mark_all_read'),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ...CorrelationId,
  }),
  Type.Object({ type: Type.Literal('dismiss'), ...Ids, ...CorrelationId }),
  Type.Object({
    type: Type.Literal('refresh'),
    token: Type.String({ minLength: 1 }),
    ...CorrelationId,
  }),
  Type.Object({
    type: Type.Literal('subscribe'),
    channel: Channel,
    /** `metrics:<metric>` only: seconds between values (5 to 3600, default 10). */
    interval: Type.Optional(Type.Integer()),
    /** `metrics:<metric>` only: seconds the value covers, ending now (60 to 86400, default 300). */
    window: Type.Optional(Type.Integer()),
    /** `metrics:<metric>` only: group the value by these fields, as the analytics query does. */
    dimensions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 5 }),
    ),
    ...CorrelationId,
  }),
  Type.Object({ type: Type.Literal('unsubscribe'), channel: Channel, ...CorrelationId }),
]);
export type ClientFrame = Static<typeof ClientFrame>;

/** Close codes the server uses. */
export const CLOSE = {
  /** The server is shutting down; reconnect after the advertised delay. */
  GOING_AWAY: 1001,
  /** A frame larger than `realtime.max_payload_bytes`. */
  MESSAGE_TOO_BIG: 1009,
  /** The token was refused or never came. */
  AUTH_FAILED: 4001,
  /** The token expired and no `refresh` frame brought a new one in time. */
  TOKEN_EXPIRED: 4002,
  /** The user or tenant already has as many sessions as allowed (TOO_MANY_CONNECTIONS). */
  TOO_MANY_CONNECTIONS: 4003,
  /** The client did not read fast enough (`max_backpressure_bytes` waited); reconnect with `last_id`. */
  SLOW_CONSUMER: 4008,
  /** The rate-limit engine refused the connection (RATE_LIMIT_EXCEEDED); retry after its delay. */
  RATE_LIMITED: 4029,
} as const;

/** The ids a frame names, one or many; a frame that names none is invalid. */
export function idsOf(frame: { notification_id?: string; notification_ids?: string[] }): string[] {
  const ids = frame.notification_ids ?? (frame.notification_id ? [frame.notification_id] : []);
  if (ids.length === 0) {
    throw new NotifydError('VALIDATION_ERROR', 'Name notification_id or notification_ids.');
  }
  return ids;
}

export { CHANNEL_PATTERN };
