import { errors } from '../../http/responses.js';
import { type AnyRoute, serviceOf } from '../../http/route.js';
import type { ScheduledSends, ScheduledView } from '../scheduled.js';
import { IdParams, ScheduledPage, ScheduledQuery, ScheduledViewSchema } from '../schemas.js';
import { sendingRoute } from './sending-route.js';

/** Scheduled sends (`send_at`): list, read, cancel; tenant-scoped, for services. */
export function scheduledRoutes(scheduled: ScheduledSends): AnyRoute[] {
  return [
    sendingRoute({
      method: 'GET',
      path: '/api/v1/scheduled',
      summary: 'Scheduled sends of the tenant, newest first',
      query: ScheduledQuery,
      responses: {
        200: { description: 'One page.', schema: ScheduledPage },
        ...errors(400, 401, 403, 503),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { status, cursor, limit } = ctx.query;
        const page = await scheduled.list(tenant_id, {
          limit: limit ?? 50,
          ...(status ? { status } : {}),
          ...(cursor ? { before: cursor } : {}),
        });
        return { status: 200, body: page };
      },
    }),
    byId('GET', 'One scheduled send and where it stands', 'The scheduled send.', (t, id) =>
      scheduled.get(t, id),
    ),
    byId('DELETE', 'Cancel a scheduled send that is not sent yet', 'Cancelled.', (t, id) =>
      scheduled.cancel(t, id),
    ),
  ];
}

/** A route on one scheduled send: it answers the send's view. */
function byId(
  method: 'GET' | 'DELETE',
  summary: string,
  description: string,
  run: (tenantId: string, id: string) => Promise<ScheduledView>,
): AnyRoute {
  return sendingRoute({
    method,
    path: '/api/v1/scheduled/:id',
    summary,
    params: IdParams,
    responses: {
      200: { description, schema: ScheduledViewSchema },
      ...errors(401, 403, 404, ...(method === 'DELETE' ? [409] : []), 503),
    },
    async handler(ctx) {
      return { status: 200, body: await run(serviceOf(ctx).tenant_id, ctx.params.id) };
    },
  });
}
