import { type Static, Type } from '@sinclair/typebox';
import { olderPages } from '../http/older-pages.js';
import { ViewEnvelope } from '../objects/schemas.js';

const Channel = Type.Union(
  ['in_app', 'push', 'sms', 'email', 'webhook'].map((c) => Type.Literal(c)),
  { description: 'The channel the step sends on.' },
);

const SendStep = Type.Object(
  {
    type: Type.Literal('send'),
    channel: Channel,
    template: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'A template id or key.' }),
    ),
    content: Type.Optional(
      Type.Object(
        {
          title: Type.String({ minLength: 1, maxLength: 500 }),
          body: Type.String({ maxLength: 10_000 }),
          action_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
        },
        { additionalProperties: false, description: 'Inline content (instead of a template).' },
      ),
    ),
  },
  { additionalProperties: false },
);

const DelayStep = Type.Object(
  {
    type: Type.Literal('delay'),
    duration: Type.String({
      minLength: 2,
      maxLength: 64,
      description: 'An ISO 8601 duration, e.g. PT1H, P1D, P1DT12H (at most 365 days).',
    }),
  },
  { additionalProperties: false },
);

const DigestStep = Type.Object(
  {
    type: Type.Literal('digest'),
    window: Type.String({
      minLength: 2,
      maxLength: 64,
      description:
        'How long the window stays open after the first run reaches the step: an ISO 8601 duration (PT10M, PT1H, P1D; at most 365 days).',
    }),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'payload.<path>: runs whose payloads hold the same value share a window (default: one window per recipient).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OPERATORS = ['equals', 'not_equals', 'exists', 'gt', 'lt'] as const;
export type Operator = (typeof OPERATORS)[number];

const ConditionStep = Type.Object(
  {
    type: Type.Literal('condition'),
    field: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'notification.read|dismissed|actioned|action_id (the notifications the run sent), digest.count (after a digest step) or payload.<path>.',
    }),
    operator: Type.Union(
      OPERATORS.map((o) => Type.Literal(o)),
      { description: 'equals, not_equals, exists, gt, lt.' },
    ),
    value: Type.Optional(
      Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]),
    ),
    on_fail: Type.Optional(
      Type.Union(
        [
          Type.Literal('stop'),
          Type.Object(
            { skip_to: Type.Integer({ minimum: 0, description: 'A later step index (0-based).' }) },
            { additionalProperties: false },
          ),
        ],
        { description: 'When the condition does not hold: stop (default), or skip to a step.' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const Step = Type.Union([SendStep, DelayStep, DigestStep, ConditionStep]);
export type Step = Static<typeof Step>;
export type SendStep = Static<typeof SendStep>;
export type DigestStep = Static<typeof DigestStep>;
export type ConditionStep = Static<typeof ConditionStep>;

const Steps = Type.Array(Step, { minItems: 1, maxItems: 50 });
const TriggerIdentifier = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$',
  description: 'What starts it: `POST /notifications` with `workflow` names it. Unique per tenant.',
});

export const CreateWorkflowBody = Type.Object(
  {
    trigger_identifier: TriggerIdentifier,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    steps: Steps,
    tenant_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateWorkflowBody = Static<typeof CreateWorkflowBody>;

export const UpdateWorkflowBody = Type.Object(
  {
    trigger_identifier: Type.Optional(TriggerIdentifier),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    steps: Type.Optional(Steps),
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Change only at this version (else 409).' }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateWorkflowBody = Static<typeof UpdateWorkflowBody>;

/** A workflow as stored. */
export interface WorkflowData {
  trigger_identifier: string;
  name: string;
  steps: Step[];
}

export const WorkflowView = Type.Object({
  ...ViewEnvelope,
  trigger_identifier: Type.String(),
  name: Type.String(),
  steps: Type.Array(Step),
});

/** `?version=` on `GET /workflows/{id}`: the workflow as it was at that version. */
export const WorkflowGetQuery = Type.Object(
  {
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'This version (default: the current one).' }),
    ),
  },
  { additionalProperties: false },
);

export const WorkflowVersionsQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

/** One version of a workflow: what it was then, and whether it is the current one. */
export const WorkflowVersionView = Type.Object({
  ...WorkflowView.properties,
  current: Type.Boolean({ description: 'Whether this is the current version.' }),
});

export const TriggerBody = Type.Object(
  {
    recipient_id: Type.String({ minLength: 1, maxLength: 256 }),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 256 })),
    cancellation_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type TriggerBody = Static<typeof TriggerBody>;

export const RunStartedView = Type.Object({
  run_id: Type.String({ description: 'GET or DELETE /workflow-runs/{run_id}.' }),
  status: Type.Literal('running'),
});

export const RUN_STATUSES = [
  'running',
  'completed',
  'stopped',
  'failed',
  'cancelled',
  'digested',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RunView = Type.Object({
  id: Type.String(),
  workflow_id: Type.String(),
  workflow_version: Type.Integer(),
  trigger_identifier: Type.String(),
  recipient_id: Type.String(),
  status: Type.Union(
    RUN_STATUSES.map((s) => Type.Literal(s)),
    {
      description:
        'digested: the run reached a digest step while another run of the workflow held the window open; its payload went into that run (see `history[].digested_into`).',
    },
  ),
  current_step: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The step waiting to run (null once the run ended).',
  }),
  next_run_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  cancellation_key: Type.Union([Type.String(), Type.Null()]),
  history: Type.Array(
    Type.Object({
      step: Type.Integer(),
      type: Type.String(),
      status: Type.String({
        description:
          'sent, failed (send steps), waited (delay), collecting, closed, digested (digest), passed, stopped, skipped (condition).',
      }),
      at: Type.String({ format: 'date-time' }),
      notification_id: Type.Optional(Type.String()),
      channel: Type.Optional(Type.String()),
      until: Type.Optional(Type.String({ format: 'date-time' })),
      skip_to: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.String()),
      count: Type.Optional(
        Type.Integer({ description: 'How many triggers the digest window collected (closed).' }),
      ),
      digested_into: Type.Optional(
        Type.String({ description: 'The run holding the window this run was digested into.' }),
      ),
    }),
  ),
  digest: Type.Union(
    [
      Type.Object({
        step: Type.Integer(),
        status: Type.Union([Type.Literal('collecting'), Type.Literal('closed')]),
        key: Type.String({ description: "The digest key's value ('' without a key)." }),
        window_start: Type.String({ format: 'date-time' }),
        window_end: Type.String({ format: 'date-time' }),
        count: Type.Integer({ description: 'Triggers in the window (this run included).' }),
      }),
      Type.Null(),
    ],
    { description: 'The digest window this run opened, if any.' },
  ),
  started_at: Type.String({ format: 'date-time' }),
  ended_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const RunListQuery = Type.Object(
  {
    workflow: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          "Only this workflow's runs: its id or trigger identifier (a deleted workflow's by its id).",
      }),
    ),
    status: Type.Optional(
      Type.Union(
        RUN_STATUSES.map((s) => Type.Literal(s)),
        { description: 'Only runs in this status.' },
      ),
    ),
    recipient_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Only runs for this recipient.' }),
    ),
    ...olderPages('runs', 200, 50),
  },
  { additionalProperties: false },
);

export const RunPage = Type.Object({
  data: Type.Array(RunView),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description:
      'For `before`: more runs may follow (a page may hold fewer than `limit` when few runs match).',
  }),
});
