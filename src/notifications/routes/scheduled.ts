import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf } from '../../http/route.js';
import type { ScheduledSends } from '../scheduled.js';
import { IdParams, ScheduledPage, ScheduledQuery, ScheduledViewSchema } from '../schemas.js';

/** Scheduled sends (`send_at`): list, read, cancel; tenant-scoped, for services. */
export function scheduledRoutes(scheduled: ScheduledSends): AnyRoute[] {
  const auth = { kind: 'key', scope: 'notifications:send' } as const;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/scheduled',
      summary: 'Scheduled sends of the tenant, newest first',
      tag: 'sending',
      auth,
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
    defineRoute({
      method: 'GET',
      path: '/api/v1/scheduled/:id',
      summary: 'One scheduled send and where it stands',
      tag: 'sending',
      auth,
      params: IdParams,
      responses: {
        200: { description: 'The scheduled send.', schema: ScheduledViewSchema },
        ...errors(401, 403, 404, 503),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await scheduled.get(tenant_id, ctx.params.id) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/scheduled/:id',
      summary: 'Cancel a scheduled send that is not sent yet',
      tag: 'sending',
      auth,
      params: IdParams,
      responses: {
        200: { description: 'Cancelled: it will not be sent.', schema: ScheduledViewSchema },
        ...errors(401, 403, 404, 409, 503),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await scheduled.cancel(tenant_id, ctx.params.id) };
      },
    }),
  ];
}
