/**
 * Alert rules: a metric of the query engine (optionally filtered) read over a window, a
 * condition (`above`, `below`, `change_percent`) and a threshold, evaluated every interval,
 * and who is told when it triggers. Each enabled rule holds one durable scheduler job, keyed
 * by the rule, due at its next evaluation: the job's key and lease make each evaluation
 * happen on one node only. Disabling or deleting a rule resolves its open alert.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import { ChannelName } from '../notifications/schemas.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import { updateBody } from '../objects/schemas.js';
import { ObjectReads } from '../objects/service.js';
import type { Caller } from '../objects/tenancy.js';
import { viewFields } from '../objects/view.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { ObjectStore } from '../store/types.js';
import {
  ALERT_CONDITIONS,
  type AlertCondition,
  DURATION_PATTERN,
  durationOf,
  MAX_INTERVAL_MS,
  MAX_WINDOW_MS,
  nextEvaluation,
} from './alert-condition.js';
import type { Alerts, ResolveReason } from './alerts.js';
import { checkFilter, type QueryFilter } from './fields.js';
import { analyticsKind, ObjectJob } from './kinds.js';
import { metricOf } from './metrics.js';
import { FilterSchema, literals, Nullable } from './schemas.js';
import { isoOrNull } from './time.js';

const Duration = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, maxLength: 8, description });

const Recipients = Type.Object(
  {
    subscribers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        description: 'Subscriber ids notified when it triggers.',
      }),
    ),
    topic: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'A topic whose members are notified.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Who is notified, through the usual routing (preferences, channels).',
  },
);

/** What a rule's update may change: all but its name. */
const ruleFields = {
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  metric: Type.String({
    minLength: 1,
    maxLength: 120,
    description: 'A metric of POST /analytics/query (e.g. notifications_failed, count:signup).',
  }),
  filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 10 })),
  condition: literals(ALERT_CONDITIONS),
  threshold: Type.Number({
    description:
      'above / below: the value; change_percent: the change from the window before, in percent (negative: a fall).',
  }),
  window: Duration('The span read, e.g. 5m, 1h, 1d (whole minutes before the evaluation).'),
  interval: Type.Optional(Duration('How often it is evaluated (default 1m).')),
  recipients: Type.Optional(Recipients),
  channels: Type.Optional(
    Type.Array(ChannelName, {
      minItems: 1,
      uniqueItems: true,
      description: 'Restricts the notifications to these channels (default in_app).',
    }),
  ),
  category: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
      description: 'The notifications’ category, for preferences (default alerts).',
    }),
  ),
  enabled: Type.Optional(Type.Boolean()),
};

export const CreateAlertRuleBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128 }), ...ruleFields },
  { additionalProperties: false },
);
export type CreateAlertRuleBody = Static<typeof CreateAlertRuleBody>;

export const UpdateAlertRuleBody = updateBody(ruleFields);
export type UpdateAlertRuleBody = Static<typeof UpdateAlertRuleBody>;

export interface AlertRuleData {
  name: string;
  description: string;
  metric: string;
  filters: QueryFilter[];
  condition: AlertCondition;
  threshold: number;
  window: string;
  window_ms: number;
  interval: string;
  interval_ms: number;
  recipients: { subscribers?: string[]; topic?: string };
  channels: string[] | null;
  category: string;
  enabled: boolean;
  /** The tenant its metric reads; null: every tenant (made with an unbound key). */
  scope: string | null;
  next_evaluation_at: number | null;
  last_evaluated_at: number | null;
  /** What the last evaluation compared with the threshold (null: it could not tell). */
  last_value: number | null;
  last_error: string | null;
}
export type StoredAlertRule = Stored<AlertRuleData>;

export const ALERT_RULE_OBJECT = analyticsKind(
  'analytics_alert_rule',
  'alr',
  'ALERT_RULE_NOT_FOUND',
  'An alert rule of every tenant needs an analytics:manage key bound to no tenant.',
);

/** The scheduler job that evaluates a rule, due at its next evaluation while it is enabled. */
export const ALERT_JOB = new ObjectJob<AlertRuleData>(
  'analytics.alert_rule',
  ALERT_RULE_OBJECT,
  'alert-rule',
  'rule_id',
  (d) => (d.enabled ? d.next_evaluation_at : null),
);

const rule = viewFields<AlertRuleData>();
export const { schema: AlertRuleView, toView: alertRuleView } = rule.view({
  name: Type.String(),
  description: Type.String(),
  metric: Type.String(),
  filters: Type.Array(FilterSchema),
  condition: literals(ALERT_CONDITIONS),
  threshold: Type.Number(),
  window: Type.String(),
  window_minutes: rule.made(Type.Integer(), (d) => d.window_ms / 60_000),
  interval: Type.String(),
  recipients: Recipients,
  channels: Type.Union([Type.Array(Type.String()), Type.Null()]),
  category: Type.String(),
  enabled: Type.Boolean(),
  next_evaluation_at: rule.made(Nullable(Type.String({ format: 'date-time' })), (d) =>
    isoOrNull(d.next_evaluation_at),
  ),
  last_evaluated_at: rule.made(Nullable(Type.String({ format: 'date-time' })), (d) =>
    isoOrNull(d.last_evaluated_at),
  ),
  last_value: Nullable(Type.Number()),
  last_error: Nullable(Type.String()),
});
export type AlertRuleViewT = Static<typeof AlertRuleView>;

/** Checks what the schema cannot: the metric, the filters, the durations. */
function checked(d: Omit<AlertRuleData, 'window_ms' | 'interval_ms'>) {
  metricOf(d.metric);
  for (const [i, f] of d.filters.entries()) checkFilter(f, `body.filters[${i}]`);
  return {
    ...d,
    window_ms: durationOf(d.window, 'body.window', MAX_WINDOW_MS),
    interval_ms: durationOf(d.interval, 'body.interval', MAX_INTERVAL_MS),
  };
}

/** Alert rules as admin objects, each with its evaluation job while enabled. */
export class AlertRules extends ObjectReads<AlertRuleData> {
  readonly repo: ObjectRepository<AlertRuleData>;
  protected override readonly byKey = true;

  constructor(
    store: ObjectStore,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly scheduler: SchedulerService,
    private readonly alerts: Alerts,
  ) {
    super();
    this.repo = new ObjectRepository(store, ALERT_RULE_OBJECT, clock, ids);
  }

  async create(caller: Caller, body: CreateAlertRuleBody): Promise<StoredAlertRule> {
    const enabled = body.enabled ?? true;
    const data = checked({
      name: body.name,
      description: body.description ?? '',
      metric: body.metric,
      filters: body.filters ?? [],
      condition: body.condition,
      threshold: body.threshold,
      window: body.window,
      interval: body.interval ?? '1m',
      recipients: body.recipients ?? {},
      channels: body.channels ?? null,
      category: body.category ?? 'alerts',
      enabled,
      scope: caller.tenant_bound ? caller.tenant_id : null,
      next_evaluation_at: null,
      last_evaluated_at: null,
      last_value: null,
      last_error: null,
    });
    if (enabled) data.next_evaluation_at = nextEvaluation(this.clock.now(), data.interval_ms);
    const tenant = this.repo.targetTenant(caller, undefined);
    const created = await this.repo.create(tenant, data, body.name);
    await ALERT_JOB.arm(this.scheduler, created);
    return created;
  }

  async update(
    caller: Caller,
    idOrName: string,
    body: UpdateAlertRuleBody,
  ): Promise<StoredAlertRule> {
    const found = await this.repo.resolve(caller, idOrName);
    const { version, ...change } = body;
    const updated = await this.repo.update(
      caller,
      found.id,
      (current) => {
        const d = checked({ ...current.data, ...change });
        const next = d.enabled ? nextEvaluation(this.clock.now(), d.interval_ms) : null;
        return { data: { ...d, next_evaluation_at: next }, key: current.key };
      },
      version,
    );
    await ALERT_JOB.disarm(this.scheduler, updated);
    if (updated.data.enabled) await ALERT_JOB.arm(this.scheduler, updated);
    else await this.resolveOpen(updated, 'rule_disabled');
    return updated;
  }

  async remove(caller: Caller, idOrName: string): Promise<StoredAlertRule> {
    const found = await this.repo.resolve(caller, idOrName);
    const removed = await this.repo.remove(caller, found.id);
    await ALERT_JOB.disarm(this.scheduler, removed);
    await this.resolveOpen(removed, 'rule_deleted');
    return removed;
  }

  private async resolveOpen(rule: StoredAlertRule, reason: ResolveReason): Promise<void> {
    const open = await this.alerts.openOf(rule);
    if (open) await this.alerts.resolve(open, reason, null);
  }
}
