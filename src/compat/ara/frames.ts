/**
 * Ara's WebSocket and SSE protocol (docs/en/03-api-reference.md, "WebSocket Protocol" and
 * "SSE Protocol") as one of the gateway's wire protocols. Client frames: `Subscribe` /
 * `Unsubscribe` `{payload: {channels}}`, `Ping`, `Ack {payload: {notification_id}}`. Server
 * frames: `notification {id, occurred_at, event_type, payload, metadata}`, `subscribed` /
 * `unsubscribed {payload: [channels]}`, `pong`, `heartbeat`, `acked {notification_id}`,
 * `error {code, message}`, `shutdown {reason, reconnect_after_seconds}`. SSE events:
 * `connected {connection_id, user_id}`, `notification`, `heartbeat {timestamp}`.
 */
import { NotifydError } from '../../core/errors.js';
import { parseBoundedJson } from '../../core/json.js';
import type { UserMessage } from '../../notifications/user-channel.js';
import {
  type Command,
  type Decoded,
  sseEvent,
  type Undecodable,
  type WireProtocol,
} from '../../server/realtime/wire.js';
import { araPriority } from './convert.js';

/** Ara's `notification` frame for a message to sessions; null when Ara has none for it. */
export function araNotification(message: UserMessage): Record<string, unknown> | null {
  switch (message.type) {
    case 'notification': {
      const n = message.data;
      const data = n.data ?? {};
      const { title, body, ...content } = n.content;
      // An Ara event's payload (send, trigger), else its template's rendered payload
      // (payload_template, kept as in-app data), else the content itself.
      const payload =
        typeof data.payload === 'object' && data.payload !== null
          ? data.payload
          : (content.data ?? { title, body, ...content });
      // Ara's ttl as given, else the lifetime the notification was sent with (its template's).
      const ttl =
        typeof data.ttl === 'number'
          ? data.ttl
          : n.expires_at
            ? Math.round((Date.parse(n.expires_at) - Date.parse(n.created_at)) / 1000)
            : null;
      return {
        type: 'notification',
        id: n.id,
        occurred_at: n.created_at,
        event_type: typeof data.event_type === 'string' ? data.event_type : n.category,
        payload,
        metadata: {
          priority: araPriority(n.priority),
          ...(ttl !== null ? { ttl } : {}),
          ...(typeof data.source === 'string' ? { source: data.source } : {}),
          ...(typeof data.correlation_id === 'string'
            ? { correlation_id: data.correlation_id }
            : {}),
        },
      };
    }
    case 'broadcast':
    case 'channel_message': {
      const m = message.data;
      return {
        type: 'notification',
        id: m.id,
        occurred_at: m.sent_at,
        event_type: m.event ?? 'message',
        payload: m.data,
        metadata: {
          priority: m.metadata?.priority ?? 'Normal',
          ...(m.metadata?.ttl != null ? { ttl: m.metadata.ttl } : {}),
          ...('channel' in m ? { channel: m.channel } : {}),
        },
      };
    }
    default:
      return null;
  }
}

const CLIENT_TYPES = new Set(['Subscribe', 'Unsubscribe', 'Ping', 'Ack']);
/** Most channels one Subscribe or Unsubscribe frame may name. */
const MAX_CHANNELS_PER_FRAME = 100;
/** A live message's id (`msg_…`): delivered, never stored, so an Ack of it records nothing. */
const LIVE_ID = /^msg_/;

const invalid = (message: string): Undecodable => ({
  error: new NotifydError('VALIDATION_ERROR', message),
});

/**
 * Reads one of Ara's client frames. Ara's frames carry no correlation id; an Ack's
 * notification id stands in for one, so that its `acked` answer can name it.
 */
function decode(text: string): Decoded | Undecodable {
  let frame: { type?: unknown; payload?: Record<string, unknown> };
  try {
    frame = parseBoundedJson(text) as typeof frame;
  } catch {
    return { error: new NotifydError('INVALID_JSON') };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return invalid('A frame is a JSON object.');
  }
  const { type, payload } = frame;
  if (typeof type !== 'string' || !CLIENT_TYPES.has(type)) {
    return invalid('type must be Subscribe, Unsubscribe, Ping or Ack.');
  }
  if (type === 'Ping') return { command: { type: 'ping' } };
  if (typeof payload !== 'object' || payload === null) return invalid(`${type} needs a payload.`);
  if (type === 'Ack') {
    const id = payload.notification_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
      return invalid('payload.notification_id must be a notification id.');
    }
    return { command: { type: 'ack', ids: LIVE_ID.test(id) ? [] : [id] }, id };
  }
  const channels = payload.channels;
  if (
    !Array.isArray(channels) ||
    channels.length === 0 ||
    channels.length > MAX_CHANNELS_PER_FRAME ||
    !channels.every((c) => typeof c === 'string')
  ) {
    return invalid(`payload.channels must list 1 to ${MAX_CHANNELS_PER_FRAME} channel names.`);
  }
  const unique = [...new Set(channels as string[])];
  return {
    command: { type: type === 'Subscribe' ? 'subscribe' : 'unsubscribe', channels: unique },
  };
}

const errorFrame = (err: NotifydError) =>
  JSON.stringify({ type: 'error', code: err.code, message: err.message });

const shutdownFrame = (reconnectAfterS: number) =>
  JSON.stringify({
    type: 'shutdown',
    reason: 'Server shutting down',
    reconnect_after_seconds: reconnectAfterS,
  });

export interface AraWireOptions {
  /** How often sessions get `heartbeat` (compat.ara.heartbeat_s, ms). */
  heartbeatMs: number;
  /** Sessions may subscribe to any channel of their tenant, as Ara's may (compat.ara.open_channels). */
  openChannels: boolean;
}

/** Ara's protocol: its sessions' topics are apart from notifyd's (`ara|…`). */
export function araWire(opts: AraWireOptions): WireProtocol {
  // WebSocket and SSE sessions of Ara's protocol share one encoding of each message.
  const encoded = new WeakMap<UserMessage, string | null>();
  const encode = (message: UserMessage): string | null => {
    let text = encoded.get(message);
    if (text === undefined) {
      const frame = araNotification(message);
      text = frame ? JSON.stringify(frame) : null;
      encoded.set(message, text);
    }
    return text;
  };
  return {
    name: 'ara',
    prefix: 'ara|',
    anyChannel: opts.openChannels,
    tokenAtUpgrade: true,
    heartbeat: { everyMs: opts.heartbeatMs, frame: JSON.stringify({ type: 'heartbeat' }) },
    decode,
    opensWith(text) {
      const d = decode(text);
      return 'command' in d;
    },
    encode,
    answer(command: Command, outcome, id) {
      switch (outcome.type) {
        case 'pong':
          return [JSON.stringify({ type: 'pong' })];
        case 'done':
          return command.type === 'ack'
            ? [JSON.stringify({ type: 'acked', notification_id: id })]
            : [];
        case 'refreshed':
          return [];
        case 'subscribed':
        case 'unsubscribed': {
          // The channels taken are confirmed; those refused follow in one error, as Ara does.
          const out: string[] = [];
          if (outcome.channels.length > 0) {
            out.push(JSON.stringify({ type: outcome.type, payload: outcome.channels }));
          }
          if (outcome.refused) out.push(errorFrame(outcome.refused));
          return out;
        }
      }
    },
    error: errorFrame,
    greeting: () => null,
    shutdown: shutdownFrame,
    sse: {
      event(message) {
        const text = encode(message);
        if (text === null) return null;
        const id = message.type === 'notification' ? message.data.id : undefined;
        return sseEvent('notification', text, id);
      },
      greeting: ({ session_id, user }) =>
        sseEvent('connected', JSON.stringify({ connection_id: session_id, user_id: user.user_id })),
      heartbeat: (now) =>
        sseEvent('heartbeat', JSON.stringify({ timestamp: new Date(now).toISOString() })),
      heartbeatMs: opts.heartbeatMs,
      error: (err) => sseEvent('error', errorFrame(err)),
      shutdown: (reconnectAfterS) => sseEvent('shutdown', shutdownFrame(reconnectAfterS)),
    },
  };
}
