import type { UserPrincipal } from '../../auth/principal.js';
import { hasScope } from '../../auth/scopes.js';
import type { Clock } from '../../core/clock.js';
import { NotifydError, toNotifydError } from '../../core/errors.js';
import { CHANNEL_PATTERN } from '../../notifications/user-channel.js';
import { shardTopic } from './fanout.js';
import { METRICS_SCOPE, type MetricStreamRequest, type MetricStreams } from './metric-streams.js';
import type { Session, SessionSocket } from './session.js';
import { channelAllowed, channelTopic } from './topics.js';
import type { Outcome } from './wire.js';

const CHANNEL_RE = new RegExp(CHANNEL_PATTERN);

export interface ChannelSubscriptionsDeps {
  /** Named channels one session may subscribe to at once. */
  maxChannelsPerSession: number;
  clock: Clock;
  /** `metrics:<metric>` streams of this node's sessions. */
  streams: MetricStreams;
}

/** A WebSocket session's named channels: joined and left, and the `metrics:*` streams among them. */
export class ChannelSubscriptions {
  constructor(private readonly deps: ChannelSubscriptionsDeps) {}

  /** Subscribes the session to a named channel; the error when it may not. */
  subscribe(
    ws: SessionSocket,
    session: Session,
    user: UserPrincipal,
    channel: string,
  ): NotifydError | null {
    const { maxChannelsPerSession } = this.deps;
    if (!CHANNEL_RE.test(channel)) {
      return new NotifydError('VALIDATION_ERROR', `Not a channel name: ${channel}.`, { channel });
    }
    if (!session.wire.anyChannel && !channelAllowed(user.channels, channel)) {
      return new NotifydError('CHANNEL_FORBIDDEN', undefined, { channel });
    }
    if (!session.channels.has(channel)) {
      if (session.channels.size >= maxChannelsPerSession) {
        return new NotifydError('TOO_MANY_CHANNELS', undefined, { limit: maxChannelsPerSession });
      }
      session.channels.set(channel, this.deps.clock.now());
    }
    const topic = session.wire.prefix + channelTopic(user.tenant_id, channel);
    ws.subscribe(shardTopic(topic, session.shard));
    return null;
  }

  /** Leaves named channels (and their metric streams); a channel it was not on is no error. */
  unsubscribe(ws: SessionSocket, session: Session, user: UserPrincipal, channels: string[]): void {
    for (const channel of channels) {
      session.channels.delete(channel);
      this.deps.streams.remove(session.id, channel);
      const topic = session.wire.prefix + channelTopic(user.tenant_id, channel);
      ws.unsubscribe(shardTopic(topic, session.shard));
    }
  }

  /**
   * Joins the session to the stream of `metrics:<metric>` when its token has
   * `analytics:read`: answered with `subscribed` then the first `metric` frame, one more
   * every interval. Refused with FORBIDDEN, VALIDATION_ERROR (interval, window),
   * INVALID_METRIC or ANALYTICS_DISABLED.
   */
  async subscribeMetric(
    ws: SessionSocket,
    session: Session,
    user: UserPrincipal,
    channel: string,
    request: MetricStreamRequest,
  ): Promise<Outcome> {
    const { maxChannelsPerSession, streams } = this.deps;
    const refused = (err: NotifydError): Outcome => ({
      type: 'subscribed',
      channels: [],
      refused: err,
    });
    if (!hasScope(user.scopes, METRICS_SCOPE)) {
      const why = `Metric streams need a token with the ${METRICS_SCOPE} scope.`;
      return refused(new NotifydError('FORBIDDEN', why, { channel, scope: METRICS_SCOPE }));
    }
    if (!CHANNEL_RE.test(channel)) {
      return refused(new NotifydError('VALIDATION_ERROR', `Not a channel name: ${channel}.`));
    }
    if (!session.channels.has(channel) && session.channels.size >= maxChannelsPerSession) {
      const limit = maxChannelsPerSession;
      return refused(new NotifydError('TOO_MANY_CHANNELS', undefined, { limit }));
    }
    const subscriber = {
      id: session.id,
      send: (frame: string) => {
        if (!session.closed) ws.send(frame);
      },
    };
    let metric: Outcome & { type: 'subscribed' };
    try {
      const sample = await streams.add(user.tenant_id, channel, request, subscriber);
      metric = { type: 'subscribed', channels: [channel], metric: sample };
    } catch (err) {
      return refused(toNotifydError(err));
    }
    // Closed while the first value was computed: `close` has run, so leave here.
    if (session.closed) streams.remove(session.id);
    else session.channels.set(channel, this.deps.clock.now());
    return metric;
  }
}
