import { Type } from '@sinclair/typebox';
import type { ServicePrincipal } from '../../auth/principal.js';
import { NotifydError, toNotifydError } from '../../core/errors.js';
import { callerOf, IdParams } from '../../http/admin-routes.js';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import { compileValidator } from '../../http/validate.js';
import type { Analytics } from '../analytics.js';
import {
  BatchTrackView,
  CreateEventTypeBody,
  EventTypeView,
  TrackBatchBody,
  TrackEventBody,
  TrackedView,
} from '../schemas.js';

const TAG = 'analytics';
const BASE = '/api/v1/analytics';
/** Tracking needs `analytics:write`; it fails as a bad body, a tenant it may not write, too large or a store down. */
const track = routeGroup(TAG, { kind: 'key', scope: 'analytics:write' });
const TRACK_ERRORS = [400, 401, 403, 413, 503];
/** The event types are read with `analytics:read`, declared and removed with `analytics:manage`. */
const read = routeGroup(TAG, { kind: 'key', scope: 'analytics:read' });
const manage = routeGroup(TAG, { kind: 'key', scope: 'analytics:manage' });
const checkEvent = compileValidator(TrackEventBody, 'body');

/** The tenant an event goes to: a tenant key's own; an unbound key's choice or its header's. */
function tenantFor(p: ServicePrincipal, asked: string | undefined): string {
  if (asked === undefined) return p.tenant_id;
  if (p.tenant_bound && asked !== p.tenant_id) {
    throw new NotifydError('FORBIDDEN', 'A tenant key can only track events in its own tenant.');
  }
  return asked;
}

/** `/analytics/events` (+ `/batch`) and `/analytics/event-types`. */
export function eventRoutes(analytics: Analytics): AnyRoute[] {
  const { ingestor, types } = analytics;
  return [
    track({
      method: 'POST',
      path: `${BASE}/events`,
      summary: 'Track one event (written before the answer)',
      body: TrackEventBody,
      responses: answers(
        202,
        'Stored (or a repeat of event_id, ignored).',
        TrackedView,
        TRACK_ERRORS,
      ),
      async handler(ctx) {
        const p = serviceOf(ctx);
        const record = await ingestor.build(ctx.body, tenantFor(p, ctx.body.tenant_id), 'body');
        const [fresh] = await ingestor.write([record]);
        // A repeat stored nothing: the id made for it names no event, so it is left out.
        return {
          status: 202,
          body: fresh ? { id: record.id, duplicate: false } : { duplicate: true },
        };
      },
    }),
    track({
      method: 'POST',
      path: `${BASE}/events/batch`,
      summary: 'Track up to 1,000 events; each is accepted or rejected on its own',
      body: TrackBatchBody,
      responses: answers(
        202,
        'What was stored and why the rest was not.',
        BatchTrackView,
        TRACK_ERRORS,
      ),
      async handler(ctx) {
        const p = serviceOf(ctx);
        const errs: {
          index: number;
          code: string;
          reason: string;
          details: Record<string, unknown>;
        }[] = [];
        const records = [];
        const schemas = await ingestor.schemas();
        for (const [index, item] of ctx.body.events.entries()) {
          const where = `body.events[${index}]`;
          try {
            const input = checkEvent(item);
            records.push(ingestor.check(input, tenantFor(p, input.tenant_id), where, schemas));
          } catch (err) {
            const e = toNotifydError(err);
            if (e.status >= 500) throw err;
            const issues = e.details.issues as { field: string; message: string }[] | undefined;
            const reason = issues?.[0]
              ? `${issues[0].field.replace(/^body/, where)} ${issues[0].message}`
              : e.message;
            errs.push({ index, code: e.code, reason, details: e.details });
          }
        }
        const kept = await ingestor.write(records);
        const accepted = kept.filter(Boolean).length;
        return {
          status: 202,
          body: {
            accepted,
            rejected: errs.length,
            duplicates: kept.length - accepted,
            errors: errs,
          },
        };
      },
    }),
    read({
      method: 'GET',
      path: `${BASE}/event-types`,
      summary: 'Event types: declared ones with their schema and every type seen, with counts',
      responses: {
        200: {
          description: 'The types, by name.',
          schema: Type.Object({ data: Type.Array(EventTypeView) }),
        },
        ...errors(401, 403),
      },
      async handler(ctx) {
        const caller = callerOf(ctx, 'analytics:manage');
        return { status: 200, body: { data: await analytics.eventTypes(caller) } };
      },
    }),
    manage({
      method: 'POST',
      path: `${BASE}/event-types`,
      summary: 'Declare an event type with a property schema its events must meet',
      body: CreateEventTypeBody,
      responses: answers(201, 'Declared.', EventTypeView, [400, 401, 403, 409]),
      async handler(ctx) {
        const o = await types.create(callerOf(ctx, 'analytics:manage'), ctx.body);
        return { status: 201, body: analytics.eventTypeView(o, 0) };
      },
    }),
    manage({
      method: 'DELETE',
      path: `${BASE}/event-types/:id`,
      summary: "Remove an event type's schema (by id or name; its events stay)",
      params: IdParams,
      responses: { 204: { description: 'Removed.' }, ...errors(400, 401, 403, 404) },
      async handler(ctx) {
        await types.remove(callerOf(ctx, 'analytics:manage'), ctx.params.id);
        return { status: 204 };
      },
    }),
  ];
}
