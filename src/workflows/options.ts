/** Workflow options (workflows.*): how long ended runs and closed digest windows are kept. */
import { defineOptions, type SectionOf } from '../core/option-spec.js';

export const WORKFLOW_OPTIONS = defineOptions([
  {
    path: 'workflows.retention.runs_days',
    type: 'integer',
    default: 30,
    min: 0,
    max: 36500,
    doc: 'Workflow runs that ended (completed, stopped, failed, cancelled, digested) this many days ago are deleted for good by an hourly cleanup; running ones are kept however old. 0: kept forever.',
  },
  {
    path: 'workflows.retention.windows_days',
    type: 'integer',
    default: 30,
    min: 0,
    max: 36500,
    doc: 'Digest windows of workflow digest steps that closed (or were cancelled) this many days ago are deleted by the same cleanup; their runs keep what they collected. 0: kept forever.',
  },
]);

/** Workflow settings as loaded: `workflows.*`. */
export type WorkflowOptions = SectionOf<typeof WORKFLOW_OPTIONS, 'workflows'>;
