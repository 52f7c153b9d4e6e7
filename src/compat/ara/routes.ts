/**
 * Ara's HTTP API as a second door into notifyd's engine: each route turns Ara's request into
 * the notification service's or the live messages' call, and their result into Ara's answer.
 */
import { NotifydError, toNotifydError } from '../../core/errors.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import type { LiveMessages } from '../../notifications/live.js';
import type { PresenceProbe } from '../../notifications/presence.js';
import type { NotificationService } from '../../notifications/service.js';
import { liveFor, sendBodyFor } from './convert.js';
import type { DailyCounters } from './counters.js';
import type { GatewaySessions } from './ports.js';
import {
  type AraBatchBody,
  AraBatchReply,
  AraBatchBody as AraBatchSchema,
  BroadcastBody,
  BroadcastReply,
  ChannelBody,
  ChannelDetail,
  ChannelList,
  ChannelReply,
  ChannelsBody,
  ChannelsReply,
  isAraBatch,
  NameParams,
  SendBody,
  SendReply,
  SendToUsersBody,
  SendToUsersReply,
  StatsReply,
  SubscriptionsReply,
  UserParams,
} from './schemas.js';
import { channelStats, connectionStats } from './stats.js';

export interface AraRouteDeps {
  notifications: NotificationService;
  live: LiveMessages;
  presence: PresenceProbe;
  sessions: GatewaySessions;
  counters: DailyCounters;
  /** Whether an offline user's notification waits in the offline queue. */
  queueEnabled: boolean;
}

/** A route of Ara's API: tagged `ara`, called with a key that may send. */
const araRoute = routeGroup('ara', { kind: 'key', scope: 'notifications:send' });
const sendErrors = errors(400, 401, 403, 404, 413, 415, 422, 429, 503);

/** Ara's routes; notifyd's batch route answers Ara's batch shape through the one here. */
export function araRoutes(deps: AraRouteDeps): AnyRoute[] {
  const { notifications, live, presence, sessions, counters } = deps;

  /** Sends to one user: the notification id, the sessions it reached, whether it waits. */
  async function toUser(tenant: string, user: string, body: SendBodyLike, requestId: string) {
    const accepted = await notifications.send(tenant, sendBodyFor(user, body), requestId);
    const connections = (await presence.of(tenant, user)).connections;
    // Ara's sends never name send_at or workflow, so nothing here is scheduled or a run; the
    // id holds either way.
    const id =
      'notification_id' in accepted
        ? accepted.notification_id
        : 'scheduled_id' in accepted
          ? accepted.scheduled_id
          : accepted.run_id;
    return { id, connections };
  }

  return [
    araRoute({
      method: 'POST',
      path: '/api/v1/notifications/send',
      summary: 'Ara: send to one user (event, or template_id + variables)',
      body: SendBody,
      responses: { 200: { description: 'Sent.', schema: SendReply }, ...sendErrors },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { target_user_id: user, ...event } = ctx.body;
        const sent = await toUser(tenant_id, user, event, ctx.requestId);
        counters.add(1, sent.connections, 0);
        return {
          status: 200,
          body: {
            notification_id: sent.id,
            delivered_to: sent.connections,
            queued: sent.connections === 0 && deps.queueEnabled,
          },
        };
      },
    }),
    araRoute({
      method: 'POST',
      path: '/api/v1/notifications/send-to-users',
      summary: 'Ara: send to several users, with a result per user',
      body: SendToUsersBody,
      responses: { 200: { description: 'Sent.', schema: SendToUsersReply }, ...sendErrors },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { target_user_ids, ...event } = ctx.body;
        const users = [...new Set(target_user_ids)];
        const batch = await notifications.batch(
          tenant_id,
          users.map((u) => sendBodyFor(u, event)),
          true,
          ctx.requestId,
        );
        const results: Record<string, Record<string, unknown>> = {};
        let delivered = 0;
        for (const r of batch.results) {
          if (r.status !== 'accepted') continue;
          const user = users[r.index] as string;
          const { connections } = await presence.of(tenant_id, user);
          delivered += connections;
          results[user] =
            connections > 0
              ? { delivered: true, connections, notification_id: r.notification_id }
              : { delivered: false, queued: deps.queueEnabled, notification_id: r.notification_id };
        }
        counters.add(users.length, delivered, 0);
        return { status: 200, body: { notification_id: batch.request_id, results } };
      },
    }),
    araRoute({
      method: 'POST',
      path: '/api/v1/notifications/broadcast',
      summary: "Ara: broadcast to every connected session of the key's tenant",
      body: BroadcastBody,
      responses: { 200: { description: 'Sent.', schema: BroadcastReply }, ...sendErrors },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const input = liveFor(ctx.body);
        const reached = sessions.reachTenant(tenant_id);
        const message = live.toTenant(tenant_id, input);
        counters.add(1, reached, 0);
        return { status: 200, body: { notification_id: message.id, delivered_to: reached } };
      },
    }),
    araRoute({
      method: 'POST',
      path: '/api/v1/notifications/channel',
      summary: 'Ara: send to the sessions subscribed to a channel',
      body: ChannelBody,
      responses: { 200: { description: 'Sent.', schema: ChannelReply }, ...sendErrors },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { channel, ...event } = ctx.body;
        const input = liveFor(event);
        const reached = sessions.reachChannel(tenant_id, channel);
        const message = live.toChannel(tenant_id, channel, input);
        counters.add(1, reached, 0);
        return {
          status: 200,
          body: { notification_id: message.id, channel, delivered_to: reached },
        };
      },
    }),
    araRoute({
      method: 'POST',
      path: '/api/v1/notifications/channels',
      summary: 'Ara: send to several channels, with a count per channel',
      body: ChannelsBody,
      responses: { 200: { description: 'Sent.', schema: ChannelsReply }, ...sendErrors },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { channels, ...event } = ctx.body;
        const input = liveFor(event);
        const out: Record<string, { delivered_to: number }> = {};
        let total = 0;
        let id = '';
        for (const channel of new Set(channels)) {
          const reached = sessions.reachChannel(tenant_id, channel);
          // Each channel gets its own live message; Ara's one id is the first one's.
          const sent = live.toChannel(tenant_id, channel, input);
          id ||= sent.id;
          out[channel] = { delivered_to: reached };
          total += reached;
        }
        counters.add(Object.keys(out).length, total, 0);
        return {
          status: 200,
          body: { notification_id: id, channels: out, total_delivered: total },
        };
      },
    }),
    araRoute({
      method: 'POST',
      path: '/api/v1/notifications/batch',
      summary: "Ara's batch: items with a target (user or channel), up to 100",
      body: AraBatchSchema,
      when: isAraBatch,
      responses: {
        200: { description: 'Per-item results.', schema: AraBatchReply },
        ...sendErrors,
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const body = await araBatch(deps, tenant_id, ctx.body, ctx.requestId);
        return { status: 200, body };
      },
    }),
    araRoute({
      method: 'GET',
      path: '/api/v1/stats',
      summary: "Ara: connections, users, channels and today's messages on this node",
      responses: { 200: { description: 'The figures.', schema: StatsReply }, ...errors(401, 403) },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const mine = sessions.describe().filter((s) => s.tenant_id === tenant_id);
        return {
          status: 200,
          body: { ...connectionStats(mine), messages: counters.snapshot() },
        };
      },
    }),
    araRoute({
      method: 'GET',
      path: '/api/v1/channels',
      summary: 'Ara: channels with subscribers on this node',
      responses: {
        200: { description: 'The channels.', schema: ChannelList },
        ...errors(401, 403),
      },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const mine = sessions.describe().filter((s) => s.tenant_id === tenant_id);
        const channels = [...channelStats(mine).values()].map(({ name, subscribers }) => ({
          name,
          subscribers,
        }));
        return { status: 200, body: { channels } };
      },
    }),
    araRoute({
      method: 'GET',
      path: '/api/v1/channels/:name',
      summary: 'Ara: one channel: its subscribers and since when',
      params: NameParams,
      responses: {
        200: { description: 'The channel.', schema: ChannelDetail },
        ...errors(401, 403, 404),
      },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const mine = sessions.describe().filter((s) => s.tenant_id === tenant_id);
        const found = channelStats(mine).get(ctx.params.name);
        if (!found) {
          throw new NotifydError('NOT_FOUND', `No session subscribes to ${ctx.params.name}.`, {
            channel: ctx.params.name,
          });
        }
        return {
          status: 200,
          body: {
            name: found.name,
            subscribers: found.subscribers,
            created_at: new Date(found.since).toISOString(),
          },
        };
      },
    }),
    araRoute({
      method: 'GET',
      path: '/api/v1/users/:user_id/subscriptions',
      summary: "Ara: a user's channels and connections",
      params: UserParams,
      responses: {
        200: { description: 'Its subscriptions.', schema: SubscriptionsReply },
        ...errors(401, 403),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { user_id } = ctx.params;
        const channels = new Set<string>();
        for (const s of sessions.describe()) {
          if (s.tenant_id !== tenant_id || s.user_id !== user_id) continue;
          for (const c of s.channels.keys()) channels.add(c);
        }
        const { connections } = await presence.of(tenant_id, user_id);
        return {
          status: 200,
          body: { user_id, subscriptions: [...channels].sort(), connections },
        };
      },
    }),
  ];
}

type SendBodyLike = Parameters<typeof sendBodyFor>[1];

/**
 * Ara's batch: user items go to the engine in one batch (atomic when asked), channel items
 * to live messages once the users' part is written; each item answers success or error.
 */
async function araBatch(deps: AraRouteDeps, tenant: string, body: AraBatchBody, requestId: string) {
  const atomic = body.atomic ?? false;
  const results: Array<{
    index: number;
    success: boolean;
    notification_id?: string;
    error?: string;
  }> = [];
  const users: Array<{ index: number; user: string; send: ReturnType<typeof sendBodyFor> }> = [];
  const channels: Array<{ index: number; channel: string; input: ReturnType<typeof liveFor> }> = [];
  body.notifications.forEach((item, index) => {
    const { target, ...event } = item;
    try {
      if (target.type === 'user')
        users.push({ index, user: target.id, send: sendBodyFor(target.id, event) });
      else channels.push({ index, channel: target.name, input: liveFor(event) });
    } catch (err) {
      const e = toNotifydError(err);
      if (atomic) {
        throw new NotifydError(
          e.code,
          `notifications.${index}: ${e.message} (atomic: nothing was sent)`,
          {
            index,
          },
        );
      }
      results.push({ index, success: false, error: e.message });
    }
  });
  let delivered = 0;
  if (users.length > 0) {
    const batch = await deps.notifications.batch(
      tenant,
      users.map((u) => u.send),
      atomic,
      requestId,
    );
    for (const r of batch.results) {
      const { index, user } = users[r.index]!;
      if (r.status === 'accepted') {
        delivered += (await deps.presence.of(tenant, user)).connections;
        results.push({ index, success: true, notification_id: r.notification_id });
      } else if (r.status === 'rejected') {
        results.push({ index, success: false, error: r.error.message });
      }
    }
  }
  for (const { index, channel, input } of channels) {
    delivered += deps.sessions.reachChannel(tenant, channel);
    const message = deps.live.toChannel(tenant, channel, input);
    results.push({ index, success: true, notification_id: message.id });
  }
  results.sort((a, b) => a.index - b.index);
  const successful = results.filter((r) => r.success).length;
  const failed = results.length - successful;
  deps.counters.add(successful, delivered, failed);
  return { results, successful, failed };
}
