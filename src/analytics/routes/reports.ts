import { Type } from '@sinclair/typebox';
import type { EventSink } from '../../events/catalogue.js';
import { IdParams, itemRoute, objectRoutes } from '../../http/admin-routes.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { crudEvents, type ObjectChangeEvent } from '../../objects/change-events.js';
import {
  CreateReportDefinitionBody,
  type ReportDefinitions,
  ReportDefinitionView,
  reportDefinitionView,
  UpdateReportDefinitionBody,
} from '../report-definitions.js';
import { checkLink, type LinkSettings } from '../report-links.js';
import { ReportFormatSchema as Format } from '../report-query.js';
import {
  DownloadQuery,
  GenerateReportBody,
  ReportListQuery,
  type Reports,
  ReportView,
  reportView,
} from '../reports.js';

const BASE = '/api/v1/reports';
const TAG = 'reports';

/** Every analytics object kind: reads need analytics:read, changes analytics:manage. */
export const ANALYTICS_SCOPES = {
  read: 'analytics:read',
  manage: 'analytics:manage',
  admin: 'analytics:manage',
} as const;

/** `/reports/definitions` CRUD. */
export function reportDefinitionRoutes(
  definitions: ReportDefinitions,
  emit: EventSink<ObjectChangeEvent>,
): AnyRoute[] {
  return objectRoutes({
    base: `${BASE}/definitions`,
    tag: TAG,
    scopes: ANALYTICS_SCOPES,
    noun: 'report definition',
    view: ReportDefinitionView,
    toView: reportDefinitionView,
    service: definitions,
    create: {
      summary: 'Create a report definition (named queries, period, format)',
      body: CreateReportDefinitionBody,
    },
    list: {},
    get: { summary: 'Get a report definition (by id or name)' },
    update: { body: UpdateReportDefinitionBody },
    remove: {},
    changes: crudEvents(emit, 'analytics.report_definition'),
  });
}

/** `POST /reports`, `GET /reports`, `GET|DELETE /reports/{id}`, `GET /reports/{id}/download`. */
export function reportRoutes(reports: Reports, links: LinkSettings): AnyRoute[] {
  const kind = { base: BASE, tag: TAG, scopes: ANALYTICS_SCOPES };
  return objectRoutes({
    ...kind,
    noun: 'report',
    view: ReportView,
    toView: reportView,
    service: {
      create: (caller, body) => reports.generate(caller, body),
      list: (caller, q) => reports.list(caller, q),
      get: (caller, id) => reports.get(caller, id),
      remove: (caller, id) => reports.remove(caller, id),
    },
    create: {
      summary: 'Generate a report from a definition or from queries given inline',
      body: GenerateReportBody,
      errors: [404, 408],
    },
    list: { summary: 'List generated reports', query: ReportListQuery },
    get: { summary: 'Get a generated report' },
    remove: { summary: 'Delete a generated report' },
    item: [
      itemRoute(kind, 'read', {
        method: 'GET',
        action: 'download',
        summary: 'Download a report as CSV, JSON or PDF (default: its own format)',
        query: DownloadQuery,
        responses: fileResponses(401, 403),
        async handler(caller, ctx) {
          return fileReply(await reports.download(caller, ctx.params.id, ctx.query.format));
        },
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/:id/file`,
        summary: 'Download a report through a signed link (what scheduled webhook deliveries send)',
        tag: TAG,
        auth: { kind: 'none' },
        params: IdParams,
        query: SignedQuery,
        responses: fileResponses(403),
        async handler(ctx) {
          checkLink(links, ctx.params.id, ctx.query, reports.now());
          return fileReply(await reports.fileById(ctx.params.id, ctx.query.format));
        },
      }),
    ],
  });
}

const SignedQuery = Type.Object(
  {
    format: Format,
    expires: Type.Integer({ minimum: 0, description: 'When the link ends (Unix seconds).' }),
    signature: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

/** The answers of a route that sends a report's file; `codes` besides 400, 404, 409 and 410. */
const fileResponses = (...codes: number[]) => ({
  200: {
    description: 'The file (text/csv, application/json or application/pdf).',
    contentType: 'application/octet-stream',
  },
  ...errors(400, ...codes, 404, 409, 410),
});

const fileReply = (file: { body: string | Buffer; contentType: string; filename: string }) => ({
  status: 200,
  contentType: file.contentType,
  body: file.body,
  headers: { 'content-disposition': `attachment; filename="${file.filename}"` },
});
