import { Type } from '@sinclair/typebox';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import type { Analytics } from '../analytics.js';
import { METRICS } from '../metrics.js';
import { MetricView, QueryBody, QueryResultView } from '../schemas.js';

const TAG = 'analytics';
const BASE = '/api/v1/analytics';
/** Queries and the metric catalogue need `analytics:read`. */
const route = routeGroup(TAG, { kind: 'key', scope: 'analytics:read' });

/** `POST /analytics/query` and `GET /analytics/metrics`. */
export function queryRoutes(analytics: Analytics): AnyRoute[] {
  return [
    route({
      method: 'POST',
      path: `${BASE}/query`,
      summary: 'Metrics over a time range, by bucket and by dimension values',
      body: QueryBody,
      responses: answers(200, 'The series.', QueryResultView, [400, 401, 403, 408, 503]),
      async handler(ctx) {
        const result = await analytics.query(serviceOf(ctx), ctx.body);
        return { status: 200, body: result };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/metrics`,
      summary:
        'The named metrics a query may ask for (besides count:<type> and unique_users:<type>)',
      responses: {
        200: { description: 'The metrics.', schema: Type.Object({ data: Type.Array(MetricView) }) },
        ...errors(401, 403),
      },
      async handler() {
        const data = Object.entries(METRICS).map(([name, m]) => ({
          name,
          kind: m.kind,
          description: m.description,
        }));
        return { status: 200, body: { data } };
      },
    }),
  ];
}
