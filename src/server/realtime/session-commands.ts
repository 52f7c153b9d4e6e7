import type { JwtVerifier } from '../../auth/jwt.js';
import { NotifydError } from '../../core/errors.js';
import type { FeedService } from '../../notifications/feed-service.js';
import type { NotificationService } from '../../notifications/service.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';
import { METRICS_PREFIX } from './metric-streams.js';
import type { Session, SessionSocket } from './session.js';
import type { SessionAuth } from './session-auth.js';
import type { Command, Outcome, WireProtocol } from './wire.js';

export interface SessionCommandsDeps {
  jwt: JwtVerifier;
  service: NotificationService;
  /** Dismissing: the same service, state change and event as REST dismiss. */
  feed: FeedService;
  auth: SessionAuth;
  channels: ChannelSubscriptions;
  /** notifyd's own protocol: the only one that carries metric streams. */
  wire: WireProtocol;
}

/**
 * What a WebSocket session's frames ask for, whatever protocol they came in: authenticate,
 * ping, the feed actions (ack, mark_read, mark_all_read, dismiss), refresh, and channels.
 */
export class SessionCommands {
  constructor(private readonly deps: SessionCommandsDeps) {}

  /** Carries out one command; resolves to what the protocol answers, null when answered. */
  async handle(ws: SessionSocket, session: Session, command: Command): Promise<Outcome | null> {
    const { auth, service, channels } = this.deps;
    if (command.type === 'authenticate') {
      if (session.user) throw new NotifydError('VALIDATION_ERROR', 'Already authenticated.');
      if (command.presence !== undefined) session.presence = command.presence;
      await auth.authenticate(ws, session, command.token, command.last_id ?? session.lastId);
      return null;
    }
    const user = session.user;
    if (!user) {
      auth.refuse(ws, session, new NotifydError('AUTH_FAILED', 'Authenticate first.'));
      return null;
    }
    switch (command.type) {
      case 'ping':
        return { type: 'pong' };
      case 'ack':
        if (command.ids.length > 0) await service.ack(user, command.ids);
        return { type: 'done' };
      case 'mark_read':
        await service.markRead(user, command.ids, true);
        return { type: 'done' };
      case 'mark_all_read':
        await service.markAllRead(user, command.category);
        return { type: 'done' };
      case 'dismiss':
        // What REST dismiss does: dismissed_at set (it stays, out of the default feed), read,
        // notification.dismissed emitted; an id not the user's is NOTIFICATION_NOT_FOUND.
        await this.deps.feed.dismiss(user, command.ids, true);
        return { type: 'done' };
      case 'refresh': {
        const fresh = await this.deps.jwt.verify(command.token);
        if (fresh.user_id !== user.user_id || fresh.tenant_id !== user.tenant_id) {
          throw new NotifydError('AUTH_FAILED', 'A refresh token must be for the same user.');
        }
        session.user = fresh;
        auth.watchExpiry(ws, session, fresh);
        const expiresAt =
          fresh.expires_at === null ? null : new Date(fresh.expires_at).toISOString();
        return { type: 'refreshed', expires_at: expiresAt };
      }
      case 'subscribe': {
        const [first] = command.channels;
        // notifyd's frames name one channel; a metric stream is notifyd's protocol only.
        if (first?.startsWith(METRICS_PREFIX) && session.wire === this.deps.wire) {
          return channels.subscribeMetric(ws, session, user, first, command.metric ?? {});
        }
        const taken: string[] = [];
        let refused: NotifydError | undefined;
        for (const channel of command.channels) {
          const why = channels.subscribe(ws, session, user, channel);
          if (why) refused ??= why;
          else taken.push(channel);
        }
        return { type: 'subscribed', channels: taken, ...(refused ? { refused } : {}) };
      }
      case 'unsubscribe':
        channels.unsubscribe(ws, session, user, command.channels);
        return { type: 'unsubscribed', channels: command.channels };
    }
  }
}
