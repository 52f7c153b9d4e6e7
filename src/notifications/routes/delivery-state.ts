import { Type } from '@sinclair/typebox';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf } from '../../http/route.js';
import type { PresenceProbe } from '../presence.js';
import { type DeliveryTracker, MAX_STATS_DAYS } from '../tracking.js';

const AckStatsView = Type.Object({
  pending: Type.Integer({ description: 'sent to a session, not acknowledged, within the timeout' }),
  acknowledged: Type.Integer({ description: 'acknowledged within the window' }),
  expired: Type.Integer({ description: 'not acknowledged within the timeout, in the window' }),
  average_ack_time_ms: Type.Union([Type.Integer(), Type.Null()], {
    description: 'mean time from send to ack in the window; null when none',
  }),
  window_days: Type.Integer(),
});

const PresenceView = Type.Object({
  user_id: Type.String(),
  online: Type.Boolean(),
  connections: Type.Integer({ description: 'open sessions on all live nodes' }),
  last_seen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when a session of the user last opened or closed',
  }),
});

/** Ack statistics and user presence, for the services of a tenant. */
export function deliveryStateRoutes(tracker: DeliveryTracker, presence: PresenceProbe): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/stats/acks',
      summary: 'In-app acknowledgements: pending now, acknowledged and expired over a window',
      tag: 'realtime',
      auth: { kind: 'key', scope: 'notifications:manage' },
      query: Type.Object(
        {
          days: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: MAX_STATS_DAYS,
              description: 'window in days, today included (default 1)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'The statistics.', schema: AckStatsView },
        ...errors(400, 401, 403),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await tracker.stats(tenant_id, ctx.query.days ?? 1) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/presence/:user_id',
      summary:
        "Whether a user of the caller's tenant is connected, on how many sessions, last seen",
      tag: 'realtime',
      auth: { kind: 'key', scope: 'notifications:send' },
      params: Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 256 }) }),
      responses: {
        200: { description: 'The presence.', schema: PresenceView },
        ...errors(401, 403),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await presence.of(tenant_id, ctx.params.user_id) };
      },
    }),
  ];
}
