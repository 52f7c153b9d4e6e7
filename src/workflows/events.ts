import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';
import { objectChange } from '../objects/change-payload.js';

const RunStarted = Type.Object(
  {
    run_id: Type.String({ description: 'The run (`wfr_…`).' }),
    workflow_id: Type.String({ description: 'The workflow (`wfl_…`).' }),
    workflow_version: Type.Integer({ description: 'The workflow version the run follows.' }),
    trigger_identifier: Type.String(),
    recipient_id: Type.String(),
  },
  { additionalProperties: false },
);

const RunCompleted = Type.Object(
  {
    run_id: Type.String({ description: 'The run (`wfr_…`).' }),
    workflow_id: Type.String({ description: 'The workflow (`wfl_…`).' }),
    trigger_identifier: Type.String(),
    recipient_id: Type.String(),
    status: Type.Union(
      [
        Type.Literal('completed'),
        Type.Literal('stopped'),
        Type.Literal('failed'),
        Type.Literal('digested'),
      ],
      {
        description:
          'completed (every step ran or was skipped to the end), stopped (a condition failed with on_fail stop), failed (a step could not run), digested (its payload went into the open window of another run at a digest step).',
      },
    ),
    notifications: Type.Array(Type.String(), { description: 'The notifications the run sent.' }),
  },
  { additionalProperties: false },
);

/** The events of workflows. */
export const WORKFLOW_EVENTS = defineEvents('workflows', {
  'workflow.run.started': {
    description: 'A workflow run started (trigger route or POST /notifications with `workflow`).',
    payload: RunStarted,
  },
  'workflow.run.completed': {
    description:
      'A workflow run ended by itself: completed, stopped by a condition, failed, or digested into another run (not when cancelled).',
    payload: RunCompleted,
  },
  'workflow.created': objectChange('A workflow was created (`name`: its trigger identifier).'),
  'workflow.updated': objectChange('A workflow was changed: a new version (runs keep theirs).'),
  'workflow.deleted': objectChange('A workflow was deleted (running runs go on).'),
});
