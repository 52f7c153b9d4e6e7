import { NotifydError } from '../../core/errors.js';
import type { EventSink } from '../../events/catalogue.js';
import { itemRoute, objectRoutes } from '../../http/admin-routes.js';
import { answers } from '../../http/responses.js';
import type { AnyRoute } from '../../http/route.js';
import { crudEvents, type ObjectChangeEvent } from '../../objects/change-events.js';
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
import { ANALYTICS_SCOPES } from './reports.js';

const BASE = '/api/v1/analytics/funnels';
const TAG = 'analytics';

/** `/analytics/funnels` CRUD and `/analytics/funnels/{id}/results`. */
export function funnelRoutes(analytics: Analytics, emit: EventSink<ObjectChangeEvent>): AnyRoute[] {
  const { funnels } = analytics;
  const kind = { base: BASE, tag: TAG, scopes: ANALYTICS_SCOPES };
  return objectRoutes({
    ...kind,
    noun: 'funnel',
    view: FunnelView,
    toView: funnelView,
    service: funnels,
    create: { body: CreateFunnelBody },
    list: {},
    get: { summary: 'Get a funnel (by id or name)' },
    update: { body: UpdateFunnelBody },
    remove: {},
    changes: crudEvents(emit, 'analytics.funnel'),
    item: [
      itemRoute(kind, 'read', {
        method: 'GET',
        action: 'results',
        summary: 'Conversion per step for users entering the funnel in [start, end)',
        query: FunnelResultsQuery,
        responses: answers(200, 'The results.', FunnelResultsView, [400, 401, 403, 404, 408]),
        async handler(caller, ctx) {
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
