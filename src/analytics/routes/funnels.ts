import { NotifydError } from '../../core/errors.js';
import { callerOf, IdParams, objectRoutes } from '../../http/admin-routes.js';
import { answers } from '../../http/responses.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { Analytics } from '../analytics.js';
import {
  CreateFunnelBody,
  FunnelResultsQuery,
  FunnelResultsView,
  FunnelView,
  funnelView,
  UpdateFunnelBody,
} from '../funnels.js';
import { parseInstant } from '../time.js';

const BASE = '/api/v1/analytics/funnels';
const TAG = 'analytics';
const scopes = {
  read: 'analytics:read',
  manage: 'analytics:manage',
  admin: 'analytics:manage',
} as const;

/** `/analytics/funnels` CRUD and `/analytics/funnels/{id}/results`. */
export function funnelRoutes(analytics: Analytics): AnyRoute[] {
  const { funnels } = analytics;
  return objectRoutes({
    base: BASE,
    tag: TAG,
    scopes,
    noun: 'funnel',
    view: FunnelView,
    toView: funnelView,
    service: funnels,
    create: { summary: 'Create a funnel', body: CreateFunnelBody },
    list: { summary: 'List funnels' },
    get: { summary: 'Get a funnel (by id or name)' },
    update: { summary: 'Change a funnel', body: UpdateFunnelBody },
    remove: { summary: 'Delete a funnel' },
    item: [
      defineRoute({
        method: 'GET',
        path: `${BASE}/:id/results`,
        summary: 'Conversion per step for users entering the funnel in [start, end)',
        tag: TAG,
        auth: { kind: 'key', scope: scopes.read },
        params: IdParams,
        query: FunnelResultsQuery,
        responses: answers(200, 'The results.', FunnelResultsView, [400, 401, 403, 404, 408]),
        async handler(ctx) {
          const caller = callerOf(ctx, scopes.admin);
          const funnel = await funnels.get(caller, ctx.params.id);
          const from = parseInstant(ctx.query.start, 'start');
          const to = parseInstant(ctx.query.end, 'end');
          if (from >= to) {
            throw new NotifydError('INVALID_TIME_RANGE', 'start must be before end.', {
              field: 'start',
            });
          }
          const body = await funnels.results(funnel, analytics.scopeOf(caller), from, to);
          return { status: 200, body };
        },
      }),
    ],
  });
}
