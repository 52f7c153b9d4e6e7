import type { EventSink } from '../events/catalogue.js';
import { callerOf, IdParams, objectRoutes, oneResponses, pageBody } from '../http/admin-routes.js';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf } from '../http/route.js';
import { crudEvents, type ObjectChangeEvent } from '../objects/change-events.js';
import { envelopeOf, PageOf } from '../objects/schemas.js';
import type { WorkflowRuns } from './runs.js';
import {
  CreateWorkflowBody,
  RunListQuery,
  RunPage,
  RunStartedView,
  RunView,
  TriggerBody,
  UpdateWorkflowBody,
  WorkflowGetQuery,
  WorkflowVersionsQuery,
  WorkflowVersionView,
  WorkflowView,
} from './schemas.js';
import type { StoredWorkflow, WorkflowService } from './service.js';

const SCOPES = {
  read: 'notifications:manage',
  manage: 'notifications:manage',
  admin: 'notifications:admin',
} as const;

const toView = (o: StoredWorkflow) => ({
  ...envelopeOf(o),
  trigger_identifier: o.data.trigger_identifier,
  name: o.data.name,
  steps: o.data.steps,
});

/** `/workflows` CRUD, versions and trigger; `/workflow-runs` list, read and cancel. */
export function workflowRoutes(
  service: WorkflowService,
  runs: WorkflowRuns,
  emit: EventSink<ObjectChangeEvent>,
): AnyRoute[] {
  const tag = 'workflows';
  const manage = { kind: 'key', scope: SCOPES.manage } as const;
  const read = { kind: 'key', scope: SCOPES.read } as const;
  return [
    ...objectRoutes({
      base: '/api/v1/workflows',
      tag,
      scopes: SCOPES,
      noun: 'workflow',
      view: WorkflowView,
      toView,
      service,
      create: {
        summary: 'Create a workflow (trigger identifier, ordered steps)',
        body: CreateWorkflowBody,
        errors: [409],
      },
      list: { summary: 'List workflows' },
      update: {
        summary:
          'Change a workflow (a new version, the previous one kept; running runs keep theirs)',
        body: UpdateWorkflowBody,
      },
      remove: { summary: 'Delete a workflow and its past versions (running runs go on)' },
      changes: crudEvents(emit, 'workflow'),
      item: [
        defineRoute({
          method: 'GET',
          path: '/api/v1/workflows/:id',
          summary: 'A workflow, by id or trigger identifier (as it was at ?version=)',
          tag,
          auth: read,
          params: IdParams,
          query: WorkflowGetQuery,
          responses: oneResponses(200, 'The workflow.', WorkflowView, 404),
          async handler(ctx) {
            const caller = callerOf(ctx, SCOPES.admin);
            const { version } = ctx.query;
            const wf =
              version === undefined
                ? await service.get(caller, ctx.params.id)
                : await service.getVersion(caller, ctx.params.id, version);
            return { status: 200, body: toView(wf) };
          },
        }),
        defineRoute({
          method: 'GET',
          path: '/api/v1/workflows/:id/versions',
          summary: "A workflow's versions, newest first",
          tag,
          auth: read,
          params: IdParams,
          query: WorkflowVersionsQuery,
          responses: {
            200: { description: 'One page, newest first.', schema: PageOf(WorkflowVersionView) },
            ...errors(400, 401, 403, 404),
          },
          async handler(ctx) {
            const caller = callerOf(ctx, SCOPES.admin);
            const page = await service.listVersions(caller, ctx.params.id, ctx.query);
            return {
              status: 200,
              body: pageBody(page, (v) => ({ ...toView(v.workflow), current: v.current })),
            };
          },
        }),
        defineRoute({
          method: 'POST',
          path: '/api/v1/workflows/:id/trigger',
          summary: 'Start a run of a workflow for one recipient',
          tag,
          auth: manage,
          params: IdParams,
          body: TriggerBody,
          responses: {
            202: { description: 'The run started.', schema: RunStartedView },
            ...errors(400, 401, 403, 404),
          },
          async handler(ctx) {
            const wf = await service.get(callerOf(ctx, SCOPES.admin), ctx.params.id);
            const tenant = serviceOf(ctx).tenant_id;
            return { status: 202, body: await runs.startOf(wf.tenant_id ?? tenant, wf, ctx.body) };
          },
        }),
      ],
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/workflow-runs',
      summary: 'Workflow runs, newest first: of a workflow, in a status, for a recipient',
      tag,
      auth: manage,
      query: RunListQuery,
      responses: {
        200: {
          description: 'One page; next_cursor (for before) when more may follow.',
          schema: RunPage,
        },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        return { status: 200, body: await runs.list(serviceOf(ctx).tenant_id, ctx.query) };
      },
    }),
    runRoute(runs, 'GET', 'A workflow run: state and step history', 'The run.', (tenant, id) =>
      runs.get(tenant, id),
    ),
    runRoute(
      runs,
      'DELETE',
      'Cancel a workflow run (nothing more of it runs)',
      'The run, cancelled (or as it ended).',
      (tenant, id) => runs.cancel(tenant, id),
    ),
  ];
}

/** A route on one run (`/workflow-runs/:id`) answering the run's view. */
function runRoute(
  runs: WorkflowRuns,
  method: 'GET' | 'DELETE',
  summary: string,
  description: string,
  act: (tenant: string, id: string) => ReturnType<WorkflowRuns['get']>,
): AnyRoute {
  return defineRoute({
    method,
    path: '/api/v1/workflow-runs/:id',
    summary,
    tag: 'workflows',
    auth: { kind: 'key', scope: SCOPES.manage },
    params: IdParams,
    responses: { 200: { description, schema: RunView }, ...errors(400, 401, 403, 404) },
    async handler(ctx) {
      const run = await act(serviceOf(ctx).tenant_id, ctx.params.id);
      return { status: 200, body: await runs.view(run) };
    },
  });
}
