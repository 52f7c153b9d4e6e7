/**
 * Ara's templates (its "Template System": `{id, name, event_type, payload_template, priority,
 * ttl}`) as notifyd templates, through notifyd's own template service: the same store,
 * versions, Liquid engine and bounds. An Ara template is the notifyd template keyed by its
 * id, whose category is its event_type, whose in-app content is read from payload_template
 * (title, body, action.url) and carries all of it as `in_app.data` (rendered into the
 * notification's `content.data`, which Ara's frames answer as `payload`), with its priority
 * and ttl as the template's. Liquid reads `{{var}}` and `{{nested.field}}` as Ara does.
 */
import { type Static, Type } from '@sinclair/typebox';
import { NotifydError } from '../../core/errors.js';
import { callerOf, IdParams } from '../../http/admin-routes.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup } from '../../http/route.js';
import type {
  ChannelTemplates,
  CreateTemplateBody,
  TemplatePriority,
  UpdateTemplateBody,
} from '../../templates/schemas.js';
import type { StoredTemplate, TemplateService } from '../../templates/service.js';
import { templateView } from '../../templates/service.js';
import type { TemplateShape } from '../../templates/shapes.js';
import { araPriority } from './convert.js';
import { ARA_PRIORITIES, type AraPriority } from './schemas.js';

/** The mark notifyd keeps on a template last written in Ara's shape. */
export const ARA_SHAPE = 'ara';

const BASE = '/api/v1/templates';
/**
 * A route of Ara's template API, tagged `ara`; it asks for what notifyd's template routes do
 * (the same paths, chosen by body).
 */
const araTemplateRoute = routeGroup('ara', { kind: 'key', scope: 'notifications:manage' });

const Priority = Type.Union(
  ARA_PRIORITIES.flatMap((p) => [Type.Literal(p), Type.Literal(p.toLowerCase())]),
  { description: 'Low, Normal (the default), High or Critical.' },
);
const Ttl = Type.Union([Type.Integer({ minimum: 0, maximum: 2_419_200 }), Type.Null()], {
  description: 'Seconds its notifications stay relevant; 0 or null: no expiry.',
});
const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$',
  description: "Ara's template id (letters, digits, - and _): the notifyd template's key.",
});
const fields = {
  name: Type.String({ minLength: 1, maxLength: 256 }),
  event_type: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
    description: "The notifications' event type: the notifyd template's category.",
  }),
  payload_template: Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), {
    maxProperties: 256,
    description:
      'The notification payload: any JSON object whose strings may hold {{var}} or {{nested.field}} (Liquid), at most 16 levels deep and 1,000 strings.',
  }),
  priority: Type.Optional(Priority),
  /** What Ara's service itself reads and answers for `priority`. */
  default_priority: Type.Optional(Priority),
  ttl: Type.Optional(Ttl),
  /** What Ara's service itself reads and answers for `ttl`. */
  default_ttl: Type.Optional(Ttl),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
};

export const AraTemplateBody = Type.Object({ id: Id, ...fields }, { additionalProperties: false });
export type AraTemplateBody = Static<typeof AraTemplateBody>;

export const AraTemplateUpdate = Type.Partial(Type.Object(fields), {
  additionalProperties: false,
});
export type AraTemplateUpdate = Static<typeof AraTemplateUpdate>;

const Iso = Type.String({ format: 'date-time' });
/** An Ara template as Ara answers it (both its documented and its served spellings). */
export const AraTemplateView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  event_type: Type.String(),
  payload_template: Type.Record(Type.String(), Type.Unknown()),
  priority: Type.Union(ARA_PRIORITIES.map((p) => Type.Literal(p))),
  default_priority: Type.Union(ARA_PRIORITIES.map((p) => Type.Literal(p))),
  ttl: Type.Optional(Type.Integer()),
  default_ttl: Type.Optional(Type.Integer()),
  description: Type.Optional(Type.String()),
  created_at: Iso,
  updated_at: Iso,
});
export type AraTemplateView = Static<typeof AraTemplateView>;

/** Whether a template create body is Ara's: it has `payload_template` (notifyd's never do). */
export function isAraTemplate(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'payload_template' in body;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The in-app content of an Ara payload: its title (else the event type), its body (or
 * message), its action's url as the link, and the whole payload as data.
 */
function inAppOf(eventType: string, payload: Record<string, unknown>): ChannelTemplates['in_app'] {
  const action = payload.action as Record<string, unknown> | undefined;
  const url = text(action?.url) ?? text(payload.url) ?? text(payload.action_url);
  return {
    title: text(payload.title) ?? eventType,
    body: text(payload.body) ?? text(payload.message) ?? '',
    ...(url ? { action_url: url } : {}),
    data: payload,
  };
}

const notifydPriority = (p: string) => p.toLowerCase() as TemplatePriority | 'critical';
/** Ara's ttl as notifyd's lifetime: 0 or null is none. */
const lifetime = (ttl: number | null) => (ttl ? ttl : null);

/** The notifyd template an Ara create makes. */
export function templateFor(body: AraTemplateBody): CreateTemplateBody {
  const priority = body.priority ?? body.default_priority;
  const ttl = body.ttl !== undefined ? body.ttl : body.default_ttl;
  return {
    key: body.id,
    name: body.name,
    description: body.description ?? null,
    category: body.event_type,
    channels: { in_app: inAppOf(body.event_type, body.payload_template) },
    ...(priority ? { priority: notifydPriority(priority) } : {}),
    ...(ttl !== undefined ? { ttl_seconds: lifetime(ttl) } : {}),
  };
}

/** The change an Ara update makes to `current` (the fields given; null clears ttl, description). */
export function changesFor(current: StoredTemplate, body: AraTemplateUpdate): UpdateTemplateBody {
  const priority = body.priority ?? body.default_priority;
  const ttl = body.ttl !== undefined ? body.ttl : body.default_ttl;
  const eventType = body.event_type ?? current.data.category ?? (current.key as string);
  const payload = body.payload_template ?? current.data.channels.in_app?.data;
  // The in-app content follows the payload (and the event type, its title's fallback).
  const inApp =
    payload && (body.payload_template || body.event_type) ? inAppOf(eventType, payload) : null;
  return {
    version: current.version,
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.event_type !== undefined ? { category: body.event_type } : {}),
    ...(inApp ? { channels: { ...current.data.channels, in_app: inApp } } : {}),
    ...(priority ? { priority: notifydPriority(priority) } : {}),
    ...(ttl !== undefined ? { ttl_seconds: lifetime(ttl) } : {}),
  };
}

/** What Ara's payload_template is for a template not written in it: its text content. */
function payloadOf(channels: ChannelTemplates): Record<string, unknown> {
  const inApp = channels.in_app;
  if (inApp?.data) return inApp.data;
  if (inApp) {
    const { actions: _a, data: _d, ...content } = inApp;
    return content;
  }
  const push = channels.push;
  return push ? { title: push.title, body: push.body } : {};
}

/** Any notifyd template in Ara's shape (its key as Ara's id). */
export function araTemplateView(o: StoredTemplate): AraTemplateView {
  const priority: AraPriority = araPriority(o.data.priority ?? undefined);
  const ttl = o.data.ttl_seconds ?? null;
  return {
    id: o.key as string,
    name: o.data.name,
    event_type: o.data.category ?? (o.key as string),
    payload_template: payloadOf(o.data.channels),
    priority,
    default_priority: priority,
    ...(ttl !== null ? { ttl, default_ttl: ttl } : {}),
    ...(o.data.description !== null ? { description: o.data.description } : {}),
    created_at: new Date(o.created_at).toISOString(),
    updated_at: new Date(o.updated_at).toISOString(),
  };
}

/**
 * Ara's shape at notifyd's template routes: a template written in it answers Ara's fields
 * with notifyd's beside them (its `id` is Ara's, its key, which every notifyd route takes);
 * a list answers Ara's `templates` beside notifyd's page.
 */
export const ARA_TEMPLATE_SHAPE: TemplateShape = {
  name: ARA_SHAPE,
  view: (o) => ({ ...templateView(o), ...araTemplateView(o) }),
  beside: (items) => ({ templates: items.map(araTemplateView) }),
};

const writeErrors = errors(400, 401, 403, 404, 409, 413, 415);

/** Ara's template writes at notifyd's paths: create (chosen by its body) and replace. */
export function araTemplateRoutes(templates: TemplateService): AnyRoute[] {
  const caller = (ctx: Parameters<typeof callerOf>[0]) => callerOf(ctx, 'notifications:admin');
  return [
    araTemplateRoute({
      method: 'POST',
      path: BASE,
      summary: "Ara: create a template in Ara's shape (payload_template), stored as notifyd's",
      body: AraTemplateBody,
      when: isAraTemplate,
      responses: { 201: { description: 'Created.', schema: AraTemplateView }, ...writeErrors },
      async handler(ctx) {
        const created = await templates.create(caller(ctx), templateFor(ctx.body), {
          shape: ARA_SHAPE,
        });
        return { status: 201, body: ARA_TEMPLATE_SHAPE.view(created) };
      },
    }),
    araTemplateRoute({
      method: 'PUT',
      path: `${BASE}/:id`,
      summary: "Ara: change a template in Ara's shape (the fields given): a new version",
      params: IdParams,
      body: AraTemplateUpdate,
      responses: { 200: { description: 'Changed.', schema: AraTemplateView }, ...writeErrors },
      async handler(ctx) {
        const who = caller(ctx);
        const current = await templates.get(who, ctx.params.id);
        const changed = await templates.update(who, current.id, changesFor(current, ctx.body), {
          shape: ARA_SHAPE,
        });
        return { status: 200, body: ARA_TEMPLATE_SHAPE.view(changed) };
      },
    }),
  ];
}

/** With compat.ara off, Ara's create body gets a 400 that says how to serve it. */
export function araTemplateRefusal(): AnyRoute {
  return araTemplateRoute({
    method: 'POST',
    path: BASE,
    summary: "Ara's template shape while compat.ara.enabled is off: refused",
    when: isAraTemplate,
    responses: errors(400, 401, 403),
    handler() {
      throw new NotifydError(
        'VALIDATION_ERROR',
        "body.payload_template is the Ara notification service's template shape, served with compat.ara.enabled (ARA_COMPAT_ENABLED=true); notifyd's own takes key, name and channels.",
        { issues: [{ field: 'body.payload_template', message: 'needs compat.ara.enabled' }] },
      );
    },
  });
}
