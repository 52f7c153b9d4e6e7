import { Type } from '@sinclair/typebox';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { SchedulerService } from './service.js';

const JobKindStatsView = Type.Object({
  kind: Type.String(),
  scheduled: Type.Integer({ description: 'Scheduled, not due yet.' }),
  due: Type.Integer({ description: 'Due and waiting for a worker.' }),
  running: Type.Integer({ description: 'Claimed by a node, lease not ended.' }),
  failed: Type.Integer({ description: 'Failed for good, not purged yet.' }),
});

/** `GET /scheduler/stats`: jobs per kind and state, over every tenant (admin). */
export function schedulerRoutes(scheduler: SchedulerService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/scheduler/stats',
      summary: 'Scheduler jobs by kind: scheduled, due, running, failed',
      tag: 'scheduler',
      auth: { kind: 'key', scope: 'notifications:admin' },
      responses: {
        200: {
          description: 'Counts per kind, and the kinds this node runs.',
          schema: Type.Object({
            data: Type.Array(JobKindStatsView),
            node_kinds: Type.Array(Type.String()),
          }),
        },
        ...errors(401, 403, 503),
      },
      async handler() {
        const data = (await scheduler.stats()).sort((a, b) => (a.kind < b.kind ? -1 : 1));
        return { status: 200, body: { data, node_kinds: scheduler.kinds().sort() } };
      },
    }),
  ];
}
