import { Type } from '@sinclair/typebox';
import type { EventSink } from '../../events/catalogue.js';
import { itemRoute, objectRoutes } from '../../http/admin-routes.js';
import { answers } from '../../http/responses.js';
import type { AnyRoute } from '../../http/route.js';
import { crudEvents, emitChange, type ObjectChangeEvent } from '../../objects/change-events.js';
import {
  CreateScheduleBody,
  type Schedules,
  ScheduleView,
  scheduleView,
  UpdateScheduleBody,
} from '../schedules.js';
import { ANALYTICS_SCOPES } from './reports.js';

const BASE = '/api/v1/reports/schedules';
const TAG = 'reports';

/** `/reports/schedules` CRUD, `POST /reports/schedules/{id}/pause` and `/resume`. */
export function scheduleRoutes(
  schedules: Schedules,
  emit: EventSink<ObjectChangeEvent>,
): AnyRoute[] {
  const kind = { base: BASE, tag: TAG, scopes: ANALYTICS_SCOPES };
  const changed = {
    paused: 'analytics.report_schedule.paused',
    resumed: 'analytics.report_schedule.resumed',
  } as const;
  const toggle = (verb: 'pause' | 'resume', summary: string) =>
    itemRoute(kind, 'manage', {
      method: 'POST',
      action: verb,
      summary,
      bodyOptional: true,
      body: Type.Object({}, { additionalProperties: false }),
      responses: answers(200, 'The schedule.', ScheduleView, [400, 401, 403, 404, 409]),
      async handler(caller, ctx) {
        const s = await schedules[verb](caller, ctx.params.id);
        emitChange({ emit }, changed[verb === 'pause' ? 'paused' : 'resumed'], s, caller);
        return { status: 200, body: scheduleView(s) };
      },
    });
  return objectRoutes({
    ...kind,
    noun: 'report schedule',
    view: ScheduleView,
    toView: scheduleView,
    service: schedules,
    create: {
      summary: 'Schedule a report: a definition, a cadence and time zone, where it goes',
      body: CreateScheduleBody,
      errors: [404, 409],
    },
    list: {},
    get: { summary: 'Get a report schedule (by id or name)' },
    update: { body: UpdateScheduleBody },
    remove: {},
    changes: crudEvents(emit, 'analytics.report_schedule'),
    item: [
      toggle('pause', 'Pause a report schedule (its runs stop)'),
      toggle('resume', 'Resume a report schedule from its next occurrence'),
    ],
  });
}
