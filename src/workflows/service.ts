/**
 * Workflows as admin objects (`workflow`, ids `wfl_…`, keyed by trigger identifier): created,
 * listed, read, changed (each change a new version; runs keep the version they started on)
 * and deleted through the admin-object repository.
 */
import { NotifydError } from '../core/errors.js';
import type { ObjectKind } from '../objects/kind.js';
import type { Caller, ObjectRepository, Page, Stored } from '../objects/repository.js';
import type { ListQuery } from '../objects/schemas.js';
import type { CreateWorkflowBody, Step, UpdateWorkflowBody, WorkflowData } from './schemas.js';
import { checkSteps } from './steps.js';

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

export class WorkflowService {
  constructor(
    readonly objects: ObjectRepository<WorkflowData>,
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

  async update(caller: Caller, idOrKey: string, body: UpdateWorkflowBody): Promise<StoredWorkflow> {
    const { id } = await this.objects.resolve(caller, idOrKey);
    if (body.steps) await this.check(caller, body.steps);
    return this.objects.update(
      caller,
      id,
      (current) => {
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
