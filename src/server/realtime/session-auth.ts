import type { JwtVerifier } from '../../auth/jwt.js';
import type { UserPrincipal } from '../../auth/principal.js';
import type { Clock } from '../../core/clock.js';
import { NotifydError, toNotifydError } from '../../core/errors.js';
import type { NotificationService } from '../../notifications/service.js';
import type { UnreadSummary } from '../../notifications/user-channel.js';
import type { Admission } from './admission.js';
import { shardTopic } from './fanout.js';
import { CLOSE } from './protocol.js';
import { closeWith, type Session, type SessionSocket, sendError } from './session.js';
import { channelTopic, HEARTBEAT_TOPIC, presenceChannel, tenantTopic, topicOf } from './topics.js';

export interface SessionAuthDeps {
  jwt: JwtVerifier;
  /** The clock tokens are checked by (the JWT verifier's). */
  clock: Clock;
  service: NotificationService;
  admission: Admission;
}

/**
 * How a WebSocket session becomes a user's: its token checked, the rate-limit engine and the
 * connection limits asked, its topics joined, what it missed sent, and its end set for when
 * the token expires.
 */
export class SessionAuth {
  constructor(private readonly deps: SessionAuthDeps) {}

  /** Admits the session with this token's user, or refuses it and closes the socket. */
  async authenticate(ws: SessionSocket, session: Session, token: string, lastId: string | null) {
    let user: UserPrincipal;
    try {
      user = await this.deps.jwt.verify(token);
    } catch (err) {
      return this.refuse(ws, session, toNotifydError(err));
    }
    const limited = await this.deps.admission
      .limit(user, session.address, session.path)
      .catch((err: unknown) => toNotifydError(err));
    if (limited) {
      if (session.closed) return;
      closeWith(ws, session, limited, CLOSE.RATE_LIMITED, 'rate limited');
      return;
    }
    // Read before the session is subscribed: a notification from then on carries its own.
    const counts = await this.deps.service.unread(user).catch(() => null);
    if (this.admit(ws, session, user, counts)) await this.start(ws, session, user, lastId);
  }

  /** Closes the session with AUTH_FAILED and the reason `err` gives. */
  refuse(ws: SessionSocket, session: Session, err: NotifydError): void {
    if (session.closed) return;
    const failed = new NotifydError('AUTH_FAILED', err.message);
    closeWith(ws, session, failed, CLOSE.AUTH_FAILED, 'authentication failed');
  }

  /** Closes the session with TOKEN_EXPIRED when the token runs out, unless refreshed first. */
  watchExpiry(ws: SessionSocket, session: Session, user: UserPrincipal): void {
    const { clock } = this.deps;
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    if (user.expires_at === null) return;
    // setTimeout holds at most ~24.8 days; a longer token is checked again then.
    const delay = Math.min(Math.max(user.expires_at - clock.now(), 0), 2 ** 31 - 1);
    session.expiryTimer = setTimeout(() => {
      if (session.closed) return;
      if (user.expires_at !== null && user.expires_at > clock.now()) {
        return this.watchExpiry(ws, session, user);
      }
      closeWith(
        ws,
        session,
        new NotifydError('TOKEN_EXPIRED'),
        CLOSE.TOKEN_EXPIRED,
        'token expired',
      );
    }, delay);
    session.expiryTimer.unref();
  }

  /**
   * Sends what the user missed after `lastId` and what waits for them (offline queue,
   * unacknowledged), oldest first, then `resumed`. The session is already subscribed, so
   * nothing published meanwhile is lost; a notification may then come twice (live and
   * replayed), recognisable by its id.
   */
  private async start(
    ws: SessionSocket,
    session: Session,
    user: UserPrincipal,
    lastId: string | null,
  ) {
    const { admission, service } = this.deps;
    try {
      const { messages, replayed } = await admission.startMessages(service, user, lastId);
      if (session.closed || messages.length === 0) return;
      // Recorded as pending before they go out, so an immediate ack finds them; if the
      // session closes meanwhile they time out and wait for the next one.
      await admission.sent(user, replayed);
      if (session.closed) return;
      ws.cork(() => {
        for (const message of messages) {
          const frame = session.wire.encode(message);
          if (frame !== null) ws.send(frame);
        }
      });
    } catch (err) {
      sendError(ws, session, toNotifydError(err));
    }
  }

  /** Counts and subscribes the session; false when it was closed or refused instead. */
  private admit(
    ws: SessionSocket,
    session: Session,
    user: UserPrincipal,
    counts: UnreadSummary | null,
  ): boolean {
    if (session.closed) return false;
    if (session.authTimer) clearTimeout(session.authTimer);
    const { wire, shard } = session;
    if (!this.deps.admission.admit(user)) {
      const err = new NotifydError('TOO_MANY_CONNECTIONS');
      closeWith(ws, session, err, CLOSE.TOO_MANY_CONNECTIONS, 'too many connections');
      return false;
    }
    session.counted = true;
    session.user = user;
    const { prefix } = wire;
    ws.subscribe(prefix + topicOf(user.tenant_id, user.user_id));
    ws.subscribe(shardTopic(prefix + tenantTopic(user.tenant_id), shard));
    if (session.presence) {
      const presence = channelTopic(user.tenant_id, presenceChannel(user.user_id));
      ws.subscribe(shardTopic(prefix + presence, shard));
    }
    if (wire.heartbeat) ws.subscribe(shardTopic(prefix + HEARTBEAT_TOPIC, shard));
    this.watchExpiry(ws, session, user);
    const greeting = wire.greeting({ session_id: session.id, user, counts, channels: [] });
    if (greeting !== null) ws.send(greeting);
    return true;
  }
}
