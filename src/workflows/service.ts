/**
 * Workflows as admin objects (`workflow`, ids `wfl_…`, keyed by trigger identifier): created,
 * listed, read, changed (each change a new version, the one it replaces kept readable; runs
 * keep the steps of the version they started on) and deleted through the admin-object
 * repository.
 */
import { NotifydError } from '../core/errors.js';
import type { ObjectKind } from '../objects/kind.js';
import type { Caller, Page, Stored } from '../objects/repository.js';
import type { ListQuery } from '../objects/schemas.js';
import type { VersionedRepository } from '../objects/versions.js';
import type { CreateWorkflowBody, Step, UpdateWorkflowBody, WorkflowData } from './schemas.js';
import { checkSteps } from './steps.js';
import { atVersion, type WorkflowVersionData } from './versions.js';

export const WORKFLOW_OBJECT: ObjectKind<'workflow'> = {
  kind: 'workflow',
  idKind: 'wfl',
  notFound: 'WORKFLOW_NOT_FOUND',
  global: {
    visibleToTenants: false,
    writeScope: 'notifications:admin',
    refusal:
      'Workflows belong to a tenant: a global one needs a notifications:admin key bound to no tenant.',
  },
};

export type StoredWorkflow = Stored<WorkflowData>;

/** Whether a template exists for the caller (the templates module's `get`, 404 if not). */
export interface TemplateLookup {
  get(caller: Caller, idOrKey: string): Promise<unknown>;
}

/** One version of a workflow in the list of its versions. */
export interface WorkflowVersion {
  workflow: StoredWorkflow;
  current: boolean;
}

export class WorkflowService {
  constructor(
    /** Workflows, each change keeping the version it replaces. */
    readonly objects: VersionedRepository<WorkflowData, WorkflowVersionData>,
    private readonly templates: TemplateLookup,
  ) {}

  async create(caller: Caller, body: CreateWorkflowBody): Promise<StoredWorkflow> {
    const tenant = this.objects.targetTenant(caller, body.tenant_id);
    await this.check(caller, body.steps);
    const data: WorkflowData = {
      trigger_identifier: body.trigger_identifier,
      name: body.name ?? body.trigger_identifier,
      steps: body.steps,
    };
    return this.objects.create(tenant, data, body.trigger_identifier);
  }

  list(caller: Caller, query: ListQuery): Promise<Page<StoredWorkflow>> {
    return this.objects.list(caller, query);
  }

  get(caller: Caller, idOrKey: string): Promise<StoredWorkflow> {
    return this.objects.resolve(caller, idOrKey);
  }

  /** The workflow as it was at `version` (the current one included), or 404. */
  async getVersion(caller: Caller, idOrKey: string, version: number): Promise<StoredWorkflow> {
    const current = await this.objects.resolve(caller, idOrKey);
    if (version === current.version) return current;
    return atVersion(current, await this.objects.past.get(current, version));
  }

  /** A page of a workflow's versions, newest first (the current one first). */
  async listVersions(
    caller: Caller,
    idOrKey: string,
    query: { page?: number; per_page?: number },
  ): Promise<Page<WorkflowVersion>> {
    // Versions made before past versions were kept are not there: they are left out.
    return this.objects.versions(caller, idOrKey, query, (v, isCurrent, current) => ({
      workflow: isCurrent ? current : atVersion(current, v),
      current: isCurrent,
    }));
  }

  async update(caller: Caller, idOrKey: string, body: UpdateWorkflowBody): Promise<StoredWorkflow> {
    const { id } = await this.objects.resolve(caller, idOrKey);
    if (body.steps) await this.check(caller, body.steps);
    return this.objects.update(
      caller,
      id,
      async (current) => {
        const data: WorkflowData = {
          trigger_identifier: body.trigger_identifier ?? current.data.trigger_identifier,
          name: body.name ?? current.data.name,
          steps: body.steps ?? current.data.steps,
        };
        return { data, key: data.trigger_identifier };
      },
      body.version,
    );
  }

  /** Deletes a workflow and its past versions (runs under way keep their own copy of steps). */
  async remove(caller: Caller, idOrKey: string): Promise<StoredWorkflow> {
    const { id } = await this.objects.resolve(caller, idOrKey);
    return this.objects.remove(caller, id);
  }

  /** Steps' own rules, then that every template they name exists. */
  private async check(caller: Caller, steps: readonly Step[]): Promise<void> {
    checkSteps(steps);
    for (const [i, step] of steps.entries()) {
      if (step.type !== 'send' || !step.template) continue;
      try {
        await this.templates.get(caller, step.template);
      } catch (err) {
        if (!(err instanceof NotifydError && err.code === 'TEMPLATE_NOT_FOUND')) throw err;
        const message = `unknown template: ${step.template}`;
        throw new NotifydError('VALIDATION_ERROR', message, {
          issues: [{ field: `steps.${i}.template`, message }],
        });
      }
    }
  }
}
