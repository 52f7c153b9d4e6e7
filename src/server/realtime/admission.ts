import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { UserPrincipal } from '../../auth/principal.js';
import { NotifydError } from '../../core/errors.js';
import type { NotificationView } from '../../notifications/schemas.js';
import type { NotificationService } from '../../notifications/service.js';
import type { DeliveryTracker } from '../../notifications/tracking.js';
import type { UserMessage } from '../../notifications/user-channel.js';
import type { HttpRateLimiting } from '../../ratelimit/http-limiting.js';
import type { ClientAddresses } from '../client-address.js';
import type { ConnectionLimits } from './limits.js';
import type { Presence } from './presence.js';
import { RESUME_LIMIT } from './protocol.js';

export interface AdmissionOptions {
  limits: ConnectionLimits;
  /** Open sessions (WebSocket and SSE together) this node accepts. */
  maxConnections: number;
  /** Who the client is: the peer, or X-Forwarded-For behind trusted proxies. */
  addresses: ClientAddresses;
  presence: Presence;
  tracker: DeliveryTracker;
}

/** Why a new connection is refused before it is opened, with the Retry-After to send. */
export interface Refusal {
  err: NotifydError;
  retryAfter: number;
}

/**
 * What both transports (WebSocket and SSE) do around a session: refuse a connection over
 * the node's limits, count an authenticated session against its user's and tenant's limits
 * and in presence, and work out what a starting session is sent first.
 */
export class Admission {
  private engine: HttpRateLimiting | null = null;

  constructor(
    private readonly opts: AdmissionOptions,
    /** Sessions open on this node now, both transports. */
    private readonly openSessions: () => number,
  ) {}

  /** The client's address: the socket's, or X-Forwarded-For's behind trusted proxies. */
  address(res: HttpResponse, req: HttpRequest): string {
    const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
    return this.opts.addresses.of(peer, req.getHeader('x-forwarded-for') || undefined);
  }

  /** Refuses a new connection while draining, at the node's limit, or too fast from one address. */
  refuse(address: string, draining: boolean): Refusal | null {
    if (draining) return { err: new NotifydError('SHUTTING_DOWN'), retryAfter: 5 };
    if (this.openSessions() >= this.opts.maxConnections) {
      return { err: new NotifydError('TOO_MANY_CONNECTIONS'), retryAfter: 5 };
    }
    const wait = this.opts.limits.connect(address, Date.now());
    if (wait > 0) {
      return {
        err: new NotifydError('RATE_LIMIT_EXCEEDED', undefined, { retry_after_seconds: wait }),
        retryAfter: wait,
      };
    }
    return null;
  }

  /** Puts every authenticated connection through the rate-limit engine as well. */
  useEngine(engine: HttpRateLimiting | null): void {
    this.engine = engine;
  }

  /**
   * The rate-limit engine's word on a connection of `user` from `address` to `path` (a
   * `GET`, as rules see it): null when allowed, else RATE_LIMIT_EXCEEDED.
   */
  async limit(user: UserPrincipal, address: string, path: string): Promise<NotifydError | null> {
    if (!this.engine) return null;
    const info = { method: 'GET', path, query: '', headers: {}, remoteAddress: address };
    return (await this.engine.check(info, user, address)).error;
  }

  /** Counts a session of the user, unless the user or tenant is at its limit. */
  admit(user: UserPrincipal): boolean {
    if (!this.opts.limits.admit(user.tenant_id, user.user_id)) return false;
    void this.opts.presence.changed(user.tenant_id, user.user_id, 1);
    return true;
  }

  /** Forgets a session that `admit` counted. */
  release(user: UserPrincipal): void {
    this.opts.limits.release(user.tenant_id, user.user_id);
    void this.opts.presence.changed(user.tenant_id, user.user_id, -1);
  }

  /**
   * What a session is sent before anything else: with `lastId`, every notification after it
   * (from the feed, oldest first, up to RESUME_LIMIT); then what waits for the user in the
   * offline queue or unacknowledged; then `resumed {count, has_more, unread_count,
   * unread_by_category}` — sent whenever something was asked for or replayed.
   */
  async startMessages(
    service: NotificationService,
    user: UserPrincipal,
    lastId: string | null,
  ): Promise<{ messages: UserMessage[]; replayed: NotificationView[] }> {
    const [missed, counts] = await Promise.all([
      lastId ? service.missed(user, lastId, RESUME_LIMIT) : { data: [], has_more: false },
      lastId ? service.unread(user) : null,
    ]);
    const seen = new Set(missed.data.map((n) => n.id));
    const replayed = await this.opts.tracker.replay(user.tenant_id, user.user_id, seen);
    const all = [...missed.data, ...replayed].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    if (!lastId && all.length === 0) return { messages: [], replayed };
    return {
      messages: [
        ...all.map((data): UserMessage => ({ type: 'notification', data })),
        {
          type: 'resumed',
          data: {
            count: all.length,
            has_more: missed.has_more,
            ...(counts ?? (await service.unread(user))),
          },
        },
      ],
      replayed,
    };
  }

  /** The session is about to be sent what `startMessages` replayed (call before sending). */
  async sent(user: UserPrincipal, replayed: NotificationView[]): Promise<void> {
    await this.opts.tracker.replayed(user.tenant_id, user.user_id, replayed);
  }
}
