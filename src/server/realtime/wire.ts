/**
 * A protocol the gateway speaks with a session: how a client's frame becomes a command, and
 * how what the server sends (published messages, answers, errors) becomes frames. notifyd's
 * own protocol is one (notifyd-wire.ts); a compatibility door brings another (Ara's, in
 * src/compat/ara/frames.ts). The gateway carries out commands and publishes messages the
 * same way whatever the protocol.
 */
import type { UserPrincipal } from '../../auth/principal.js';
import type { NotifydError } from '../../core/errors.js';
import type { UnreadSummary, UserMessage } from '../../notifications/user-channel.js';
import type { MetricSample, MetricStreamRequest } from './metric-streams.js';

/** What a client asks, whatever protocol it speaks. */
export type Command =
  | { type: 'authenticate'; token: string; last_id?: string; presence?: boolean }
  | { type: 'ping' }
  /** `ids` may be empty: the client saw something with nothing to record (a live message). */
  | { type: 'ack' | 'mark_read' | 'dismiss'; ids: string[] }
  | { type: 'mark_all_read'; category?: string }
  | { type: 'refresh'; token: string }
  | { type: 'subscribe' | 'unsubscribe'; channels: string[]; metric?: MetricStreamRequest };

/** A frame read: its command and the id the client gave it to match the answer. */
export interface Decoded {
  command: Command;
  id?: string;
}

/** A frame that could not be read: why, and its id when it had a usable one. */
export interface Undecodable {
  error: NotifydError;
  id?: string;
}

/** What carrying out a command came to, for the protocol to answer. */
export type Outcome =
  | { type: 'pong' }
  | { type: 'done' }
  | { type: 'refreshed'; expires_at: string | null }
  /** Channels subscribed (or unsubscribed) now; `refused` says why the others were not. */
  | {
      type: 'subscribed' | 'unsubscribed';
      channels: string[];
      refused?: NotifydError;
      /** A metric stream's first value, sent right after the answer. */
      metric?: MetricSample;
    };

/** Who an admitted session is, for its first frame. */
export interface Greeting {
  session_id: string;
  user: UserPrincipal;
  /** The user's unread counts, when the store could say. */
  counts: UnreadSummary | null;
  /** Named channels the session starts with (SSE's `?channels=`). */
  channels: string[];
}

/** One protocol over WebSocket. Every `encode*` returns the frame's text, or null for none. */
export interface WireProtocol {
  /** Its name, for logs. */
  readonly name: string;
  /**
   * Put before every topic its sessions join, so that a message published to a user, tenant
   * or channel is encoded once for each protocol with sessions there, never per session.
   * notifyd's own is empty.
   */
  readonly prefix: string;
  /**
   * Whether a session may subscribe to any named channel of its tenant (Ara's rule) rather
   * than only those its token's `channels` claim allows (notifyd's).
   */
  readonly anyChannel: boolean;
  /**
   * The token must come with the upgrade (`?token=` or `Authorization: Bearer`): the
   * protocol has no frame to send it later, so an upgrade without one is refused (401).
   */
  readonly tokenAtUpgrade: boolean;
  /** Frames every session of this protocol is sent this often (one publish for all). */
  readonly heartbeat: { everyMs: number; frame: string } | null;
  /** Reads a client frame. */
  decode(text: string): Decoded | Undecodable;
  /**
   * Whether a session that has sent nothing yet and sends this frame speaks this protocol
   * (a client of it that reached another protocol's path).
   */
  opensWith(text: string): boolean;
  /** A message published to sessions. Called once per message, not per session. */
  encode(message: UserMessage): string | null;
  /** The answer to a command: its frames, often one, none when it needs no answer. */
  answer(command: Command, outcome: Outcome, id?: string): string[];
  error(err: NotifydError, id?: string): string;
  /** The first frame of an admitted session. */
  greeting(greeting: Greeting): string | null;
  /** Sent to every session before the server closes it. */
  shutdown(reconnectAfterS: number): string;
  /** The same protocol over Server-Sent Events. */
  readonly sse: SseWire;
}

/** One protocol over Server-Sent Events: each returns whole events (`event:`, `data:`, blank line). */
export interface SseWire {
  /** A message published to streams; null when this protocol has no event for it. */
  event(message: UserMessage): string | null;
  /** The first event of an admitted stream. */
  greeting(greeting: Greeting): string;
  /** Keeps proxies from closing an idle stream; sent to every stream this often. */
  heartbeat(now: number): string;
  readonly heartbeatMs: number;
  error(err: NotifydError): string;
  shutdown(reconnectAfterS: number): string;
}

/** A protocol served at a path of its own: WebSocket at `ws`, SSE at `sse`. */
export interface RealtimeDoor {
  ws: string;
  sse: string;
  wire: WireProtocol;
}

/** One Server-Sent Event. */
export const sseEvent = (event: string, data: string, id?: string) =>
  `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;
