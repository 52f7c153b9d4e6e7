import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { NotificationFacts } from '../notifications/ports.js';
import type { SendRequests } from '../notifications/requests.js';
import { VersionedRepository } from '../objects/versions.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { WorkflowOptions } from './options.js';
import { WorkflowRetention } from './retention.js';
import { workflowRoutes } from './routes.js';
import { type RunSender, STEP_KIND, WorkflowRuns } from './runs.js';
import type { WorkflowData } from './schemas.js';
import {
  type WorkflowService as Service,
  type TemplateLookup,
  WORKFLOW_OBJECT,
  WorkflowService,
} from './service.js';
import { asVersion, WORKFLOW_VERSION_OBJECT, type WorkflowVersionData } from './versions.js';

/** What the module needs: the send path, read state, cancellations, the scheduler, templates. */
export interface WorkflowsNeeds {
  sender: RunSender;
  facts: NotificationFacts;
  requests: Pick<SendRequests, 'alsoCancels'>;
  scheduler: SchedulerService;
  templates: TemplateLookup;
}

/** The modules workflows take their needs from (built before it). */
export interface WorkflowsSources {
  scheduler: { services: { scheduler: SchedulerService } };
  notifications: {
    services: {
      notifications: RunSender;
      facts: NotificationFacts;
      requests: Pick<SendRequests, 'alsoCancels'>;
    };
  };
  templates: { services: { templates: TemplateLookup } };
}

/** The needs of the workflows module, from the modules that offer them. */
export function workflowsNeeds(m: WorkflowsSources): WorkflowsNeeds {
  const { notifications, facts, requests } = m.notifications.services;
  return {
    sender: notifications,
    facts,
    requests,
    scheduler: m.scheduler.services.scheduler,
    templates: m.templates.services.templates,
  };
}

export interface WorkflowsServices {
  workflows: Service;
  runs: WorkflowRuns;
  /** Deletes ended runs and closed digest windows past retention (its job runs it hourly). */
  retention: WorkflowRetention;
}

/** The workflows module's options, from the configuration. */
export const workflowsOptions = (c: Config): WorkflowOptions => c.workflows;

/** How often ended runs and closed windows past retention are deleted. */
const PURGE_EVERY_MS = 3_600_000;

/**
 * Workflows: versioned step lists (send, delay, digest, condition) started by a trigger identifier;
 * each run advances as durable `workflow.step` jobs.
 */
export function createWorkflowsModule(
  ctx: ModuleContext<WorkflowOptions, WorkflowsNeeds>,
): NotifydModule<WorkflowsServices> {
  const { store, clock, ids, logger, bus, options } = ctx;
  const { scheduler, sender, facts, requests, templates } = ctx.services;
  const objects = new VersionedRepository<WorkflowData, WorkflowVersionData>(
    store.objects,
    WORKFLOW_OBJECT,
    WORKFLOW_VERSION_OBJECT,
    clock,
    ids,
    asVersion,
  );
  const workflows = new WorkflowService(objects, templates);
  const runs = new WorkflowRuns({
    objects: store.objects,
    clock,
    ids,
    logger,
    scheduler,
    sender,
    notifications: facts,
    workflow: async (tenantId, ref) => {
      const caller = { key_id: '', tenant_id: tenantId, tenant_bound: true, admin: false };
      if (ref.startsWith('wfl_')) return objects.get(caller, ref).catch(() => null);
      return objects.findByKey(caller, ref);
    },
    emit: bus.emit.bind(bus),
  });
  scheduler.register(STEP_KIND, (job) => runs.run(job));
  requests.alsoCancels((tenantId, key) => runs.cancelByKey(tenantId, key));
  const retention = new WorkflowRetention({
    objects: store.objects,
    clock,
    logger,
    retention: options.retention,
  });
  return {
    name: 'workflows',
    services: { workflows, runs, retention },
    routes: workflowRoutes(workflows, runs, bus.emit.bind(bus)),
    jobs: [
      {
        name: 'deleting workflow runs and digest windows past retention',
        everyMs: PURGE_EVERY_MS,
        run: async () => {
          await retention.run();
        },
      },
    ],
  };
}
