import { Type } from '@sinclair/typebox';
import {
  callerOf,
  itemRoute,
  type KindRoutes,
  objectRoutes,
  oneResponses,
  pageBody,
} from '../http/admin-routes.js';
import { answers, errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { PageOf } from '../objects/schemas.js';
import {
  CreateTemplateBody,
  RenderBody,
  RenderDraftBody,
  RenderedView,
  TemplateListQuery,
  TemplateVersionView,
  TemplateView,
  UpdateTemplateBody,
  VersionParams,
} from './schemas.js';
import { type TemplateService, templateView } from './service.js';
import { besideIn, type TemplateShape, viewIn } from './shapes.js';

/** Reading and changing templates needs `notifications:manage`; global ones `notifications:admin`. */
const MANAGE = 'notifications:manage';
const ADMIN = 'notifications:admin';
const TAG = 'templates';
const BASE = '/api/v1/templates';

const VersionsQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

/**
 * `/templates`: CRUD, versions, activation of an older version, previews. A template written
 * in another API's shape (`shapes`, e.g. compat.ara's) answers in that shape.
 */
export function templateRoutes(
  service: TemplateService,
  shapes: readonly TemplateShape[] = [],
): AnyRoute[] {
  const toView = viewIn(shapes, templateView);
  const beside = besideIn(shapes);
  const auth = { kind: 'key', scope: MANAGE } as const;
  const caller = (ctx: Parameters<typeof callerOf>[0]) => callerOf(ctx, ADMIN);
  const renderErrors = errors(400, 401, 403, 404);
  const kind: KindRoutes = {
    base: BASE,
    tag: TAG,
    scopes: { read: MANAGE, manage: MANAGE, admin: ADMIN },
  };
  return objectRoutes({
    ...kind,
    noun: 'template',
    view: TemplateView,
    toView,
    service,
    create: {
      summary:
        'Create a template (version 1); Liquid that does not parse is refused with its line and column',
      body: CreateTemplateBody,
      errors: [409],
    },
    list: {
      summary:
        "List templates: the tenant's and the global ones (filter by category, is_active, q)",
      query: TemplateListQuery,
      ...(beside ? { beside } : {}),
    },
    collection: [
      defineRoute({
        method: 'POST',
        path: `${BASE}/render`,
        summary: 'Render a template that is not saved, with a payload (checked as a save would be)',
        tag: TAG,
        auth,
        body: RenderDraftBody,
        responses: answers(200, 'Each channel rendered.', RenderedView, [400, 401, 403]),
        async handler(ctx) {
          return { status: 200, body: await service.renderDraft(ctx.body) };
        },
      }),
    ],
    get: { summary: 'Get a template by id or key' },
    update: {
      summary:
        'Change a template (the fields given): a new version; the previous one stays readable',
      body: UpdateTemplateBody,
    },
    remove: { summary: 'Delete a template and its versions' },
    item: [
      itemRoute(kind, 'manage', {
        method: 'POST',
        action: 'render',
        summary: 'Preview: render every channel (or those asked) with a payload, in a locale',
        body: RenderBody,
        responses: {
          200: { description: 'Each channel rendered.', schema: RenderedView },
          ...renderErrors,
        },
        async handler(caller, ctx) {
          const rendered = await service.preview(caller, ctx.params.id, ctx.body);
          return { status: 200, body: rendered };
        },
      }),
      itemRoute(kind, 'read', {
        method: 'GET',
        action: 'versions',
        summary: "A template's versions, newest first",
        query: VersionsQuery,
        responses: answers(
          200,
          'One page, newest first.',
          PageOf(TemplateVersionView),
          [400, 401, 403, 404],
        ),
        async handler(caller, ctx) {
          const page = await service.listVersions(caller, ctx.params.id, ctx.query);
          return { status: 200, body: pageBody(page, (v) => v) };
        },
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/:id/versions/:version`,
        summary: 'One version of a template',
        tag: TAG,
        auth,
        params: VersionParams,
        responses: oneResponses(200, 'The version.', TemplateVersionView, 404),
        async handler(ctx) {
          const v = await service.getVersion(caller(ctx), ctx.params.id, ctx.params.version);
          return { status: 200, body: v };
        },
      }),
      defineRoute({
        method: 'POST',
        path: `${BASE}/:id/versions/:version/activate`,
        summary:
          'Make an older version current again (rollback): its content becomes a new, active version',
        tag: TAG,
        auth,
        params: VersionParams,
        bodyOptional: true,
        body: Type.Object(
          {
            expected_version: Type.Optional(
              Type.Integer({
                minimum: 1,
                description:
                  'Refuse (409 VERSION_CONFLICT) unless the template is at this version.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        responses: oneResponses(200, 'The template, at its new version.', TemplateView, 404, 409),
        async handler(ctx) {
          const o = await service.activate(
            caller(ctx),
            ctx.params.id,
            ctx.params.version,
            ctx.body.expected_version,
          );
          return { status: 200, body: toView(o) };
        },
      }),
    ],
  });
}
