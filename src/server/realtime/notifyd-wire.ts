/** notifyd's own real-time protocol (protocol.ts has its client frames), as a WireProtocol. */
import { NotifydError } from '../../core/errors.js';
import { parseBoundedJson } from '../../core/json.js';
import { compileValidator } from '../../http/validate.js';
import type { UserMessage } from '../../notifications/user-channel.js';
import { ClientFrame, idsOf } from './protocol.js';
import { type Command, sseEvent, type WireProtocol } from './wire.js';

const parseFrame = compileValidator(ClientFrame, 'body');

/** The `id` of a frame that failed validation, when it has a usable one. */
function correlationOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown })?.id;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}

function commandOf(frame: ClientFrame): Command {
  switch (frame.type) {
    case 'ack':
    case 'mark_read':
    case 'dismiss':
      return { type: frame.type, ids: idsOf(frame) };
    case 'subscribe': {
      const { interval, window, dimensions } = frame;
      const metric = { interval, window, dimensions };
      const asked = Object.values(metric).some((v) => v !== undefined);
      return { type: 'subscribe', channels: [frame.channel], ...(asked ? { metric } : {}) };
    }
    case 'unsubscribe':
      return { type: frame.type, channels: [frame.channel] };
    default: {
      const { id: _, ...command } = frame;
      return command;
    }
  }
}

/** One SSE event per message; only notifications carry an `id:` (for Last-Event-ID). */
function sseFrame(message: UserMessage): string {
  const id = message.type === 'notification' ? message.data.id : undefined;
  return sseEvent(message.type, JSON.stringify(message.data), id);
}

/** notifyd's protocol; SSE streams get a comment line every `sseHeartbeatMs`. */
export function notifydWire(sseHeartbeatMs: number): WireProtocol {
  const errorData = (err: NotifydError) => ({
    code: err.code,
    message: err.message,
    details: err.details,
  });
  const error = (err: NotifydError, id?: string) =>
    JSON.stringify({ type: 'error', ...(id ? { id } : {}), data: errorData(err) });
  return {
    name: 'notifyd',
    prefix: '',
    anyChannel: false,
    tokenAtUpgrade: false,
    heartbeat: null,
    decode(text) {
      try {
        const frame = parseFrame(parseBoundedJson(text));
        return { command: commandOf(frame), ...(frame.id ? { id: frame.id } : {}) };
      } catch (err) {
        const error = err instanceof NotifydError ? err : new NotifydError('INVALID_JSON');
        const id = correlationOf(text);
        return { error, ...(id ? { id } : {}) };
      }
    },
    opensWith: () => false,
    encode: (message) => JSON.stringify(message),
    answer(command, outcome, id) {
      const tag = id ? { id } : {};
      switch (outcome.type) {
        case 'pong':
          return [JSON.stringify({ type: 'pong', ...tag })];
        case 'done':
          // Actions with no answer of their own confirm a frame that asked, by its id.
          return id ? [JSON.stringify({ type: 'done', id })] : [];
        case 'refreshed': {
          const data = { expires_at: outcome.expires_at };
          return [JSON.stringify({ type: 'refreshed', ...tag, data })];
        }
        case 'subscribed':
        case 'unsubscribed': {
          // notifyd's frames name one channel: it was taken, or refused with why.
          if (outcome.refused) return [error(outcome.refused, id)];
          const channel = outcome.channels[0] ?? (command as { channels: string[] }).channels[0];
          const answer = JSON.stringify({ type: outcome.type, ...tag, data: { channel } });
          if (!outcome.metric) return [answer];
          return [answer, JSON.stringify({ type: 'metric', data: outcome.metric })];
        }
      }
    },
    error,
    greeting: ({ session_id, user, counts }) =>
      JSON.stringify({
        type: 'authenticated',
        data: { session_id, user_id: user.user_id, tenant_id: user.tenant_id, ...counts },
      }),
    shutdown: (reconnectAfterS) =>
      JSON.stringify({ type: 'shutdown', data: { reconnect_after_seconds: reconnectAfterS } }),
    sse: {
      event: sseFrame,
      greeting: ({ user, channels, counts }) =>
        sseEvent(
          'authenticated',
          JSON.stringify({ user_id: user.user_id, tenant_id: user.tenant_id, channels, ...counts }),
        ),
      heartbeat: () => ': ping\n\n',
      heartbeatMs: sseHeartbeatMs,
      error: (err) => sseEvent('error', JSON.stringify({ code: err.code, message: err.message })),
      shutdown: (reconnectAfterS) =>
        sseEvent('shutdown', JSON.stringify({ reconnect_after_seconds: reconnectAfterS })),
    },
  };
}
