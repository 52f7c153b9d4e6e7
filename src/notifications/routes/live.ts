import { Type } from '@sinclair/typebox';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf } from '../../http/route.js';
import type { LiveMessages } from '../live.js';
import { CHANNEL_PATTERN } from '../user-channel.js';

const LiveBody = Type.Object(
  {
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Any JSON object; it reaches clients as it is.',
    }),
  },
  { additionalProperties: false },
);

const Accepted = Type.Object({
  message_id: Type.String(),
  sent_at: Type.String({ format: 'date-time' }),
});

/** Live messages to a channel's subscribers or a whole tenant; need `notifications:send`. */
export function liveRoutes(live: LiveMessages): AnyRoute[] {
  const send = { kind: 'key', scope: 'notifications:send' } as const;
  const accepted = (m: { id: string; sent_at: string }) => ({
    status: 202,
    body: { message_id: m.id, sent_at: m.sent_at },
  });
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/channels/:name/messages',
      summary: "Publish a live message to a channel's subscribers (not stored)",
      tag: 'realtime',
      auth: send,
      params: Type.Object({ name: Type.String({ pattern: CHANNEL_PATTERN }) }),
      body: LiveBody,
      responses: { 202: { description: 'Published.', schema: Accepted }, ...errors(400, 401, 403) },
      handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return accepted(live.toChannel(tenant_id, ctx.params.name, ctx.body));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/broadcast',
      summary: 'Publish a live message to every connected session of the tenant (not stored)',
      tag: 'realtime',
      auth: send,
      body: LiveBody,
      responses: { 202: { description: 'Published.', schema: Accepted }, ...errors(400, 401, 403) },
      handler(ctx) {
        return accepted(live.toTenant(serviceOf(ctx).tenant_id, ctx.body));
      },
    }),
  ];
}
