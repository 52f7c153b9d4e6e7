import type { HttpRequest, WebSocket } from 'uWebSockets.js';
import type { UserPrincipal } from '../../auth/principal.js';
import type { NotifydError } from '../../core/errors.js';
import { BEARER_PROTOCOL_PREFIX } from './protocol.js';
import type { WireProtocol } from './wire.js';

/** What uWS keeps for each socket. */
export interface Session {
  id: string;
  user: UserPrincipal | null;
  /** The `?token=` given at upgrade, checked once the socket is open. */
  token: string | null;
  /** The `?last_id=` given at upgrade: the session resumes after it. */
  lastId: string | null;
  /** The client's address, for the rate-limit engine once the user is known. */
  address: string;
  /** `?presence=true` or the authenticate frame's `presence`: send this session presence frames. */
  presence: boolean;
  /**
   * While that token is being checked, frames wait on this so that they run after it, in
   * the order they came; null once the session is settled.
   */
  pending: Promise<void> | null;
  authTimer: NodeJS.Timeout | null;
  /** Whether `limits` counted this session (and must forget it on close). */
  counted: boolean;
  /** Closes the session when its token expires, unless a `refresh` frame replaces it. */
  expiryTimer: NodeJS.Timeout | null;
  /** Named channels the session subscribed to (with when, ms), bounded by `maxChannelsPerSession`. */
  channels: Map<string, number>;
  closed: boolean;
  /** Which shard of each broadcast topic (tenant, channels) this session joins. */
  shard: number;
  /** The protocol it speaks: its path's, or the one its first frame was in. */
  wire: WireProtocol;
  /** Where it connected: the path rate-limit rules see. */
  path: string;
  /** Frames it sent so far (the first may choose its protocol). */
  framesIn: number;
}

/** A WebSocket of the gateway's. */
export type SessionSocket = WebSocket<Session>;

/** The subprotocols an upgrade request offers, in its order. */
export function offeredProtocols(req: HttpRequest): string[] {
  return req
    .getHeader('sec-websocket-protocol')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * The token an upgrade request carries: `?token=`, a `bearer.<jwt>` subprotocol, or an
 * `Authorization: Bearer` header, in that order; null when none.
 */
export function upgradeToken(
  req: HttpRequest,
  query: URLSearchParams,
  offered: string[],
): string | null {
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  const header = /^Bearer\s+(.+)$/i.exec(req.getHeader('authorization'))?.[1];
  return query.get('token') ?? bearer?.slice(BEARER_PROTOCOL_PREFIX.length) ?? header ?? null;
}

/** Sends `err` in the session's protocol, answering frame `id`, unless the session closed. */
export function sendError(
  ws: SessionSocket,
  session: Session,
  err: NotifydError,
  id?: string,
): void {
  if (!session.closed) ws.send(session.wire.error(err, id));
}

/** Tells the client why in its protocol, then closes the socket with `code`. */
export function closeWith(
  ws: SessionSocket,
  session: Session,
  err: NotifydError,
  code: number,
  reason: string,
): void {
  ws.cork(() => {
    ws.send(session.wire.error(err));
    ws.end(code, reason);
  });
}
