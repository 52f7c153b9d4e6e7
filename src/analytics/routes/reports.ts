import { Type } from '@sinclair/typebox';
import { callerOf, IdParams, objectRoutes } from '../../http/admin-routes.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import {
  CreateReportDefinitionBody,
  ReportFormatSchema as Format,
  type ReportDefinitions,
  ReportDefinitionView,
  reportDefinitionView,
  UpdateReportDefinitionBody,
} from '../report-definitions.js';
import { checkLink, type LinkSettings } from '../report-links.js';
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
export const REPORT_SCOPES = {
  read: 'analytics:read',
  manage: 'analytics:manage',
  admin: 'analytics:manage',
} as const;

/** `/reports/definitions` CRUD. */
export function reportDefinitionRoutes(definitions: ReportDefinitions): AnyRoute[] {
  return objectRoutes({
    base: `${BASE}/definitions`,
    tag: TAG,
    scopes: REPORT_SCOPES,
    noun: 'report definition',
    view: ReportDefinitionView,
    toView: reportDefinitionView,
    service: definitions,
    create: {
      summary: 'Create a report definition (named queries, period, format)',
      body: CreateReportDefinitionBody,
    },
    list: { summary: 'List report definitions' },
    get: { summary: 'Get a report definition (by id or name)' },
    update: { summary: 'Change a report definition', body: UpdateReportDefinitionBody },
    remove: { summary: 'Delete a report definition' },
  });
}

/** `POST /reports`, `GET /reports`, `GET|DELETE /reports/{id}`, `GET /reports/{id}/download`. */
export function reportRoutes(reports: Reports, links: LinkSettings): AnyRoute[] {
  return objectRoutes({
    base: BASE,
    tag: TAG,
    scopes: REPORT_SCOPES,
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
      defineRoute({
        method: 'GET',
        path: `${BASE}/:id/download`,
        summary: 'Download a report as CSV, JSON or PDF (default: its own format)',
        tag: TAG,
        auth: { kind: 'key', scope: REPORT_SCOPES.read },
        params: IdParams,
        query: DownloadQuery,
        responses: {
          200: {
            description: 'The file (text/csv, application/json or application/pdf).',
            contentType: 'application/octet-stream',
          },
          ...errors(400, 401, 403, 404, 409, 410),
        },
        async handler(ctx) {
          const caller = callerOf(ctx, REPORT_SCOPES.admin);
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
        responses: {
          200: {
            description: 'The file (text/csv, application/json or application/pdf).',
            contentType: 'application/octet-stream',
          },
          ...errors(400, 403, 404, 409, 410),
        },
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

const fileReply = (file: { body: string | Buffer; contentType: string; filename: string }) => ({
  status: 200,
  contentType: file.contentType,
  body: file.body,
  headers: { 'content-disposition': `attachment; filename="${file.filename}"` },
});
