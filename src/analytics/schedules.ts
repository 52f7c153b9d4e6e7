/**
 * Report schedules: a definition generated on a cadence (`daily|weekly|monthly` at a time, or
 * a cron expression) in a time zone and delivered by email (the file attached) or webhook (a
 * signed link). Each active schedule holds one durable scheduler job, keyed by the schedule,
 * due at its `next_run_at`: the job's key and lease make each run happen once across nodes.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import { updateBody } from '../objects/schemas.js';
import { ObjectReads } from '../objects/service.js';
import type { Caller } from '../objects/tenancy.js';
import { viewFields } from '../objects/view.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { ObjectStore } from '../store/types.js';
import { analyticsKind, ObjectJob } from './kinds.js';
import type { StoredReportDefinition } from './report-definition-data.js';
import { definitionRef, type ReportDefinitions } from './report-definitions.js';
import { checkParameters, type ParameterValues } from './report-parameters.js';
import { type ReportFormat, ReportFormatSchema } from './report-query.js';
import { cronOf, nextRun } from './schedule-cadence.js';
import { Nullable, TimeRangeSchema } from './schemas.js';
import { checkTimeZone, isoOrNull, type TimeRangeInput } from './time.js';

const Delivery = Type.Object(
  {
    email: Type.Optional(
      Type.Array(Type.String({ format: 'email', maxLength: 320 }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        description: 'Addresses the report is mailed to, the file attached.',
      }),
    ),
    webhook: Type.Optional(
      Type.String({
        format: 'uri',
        maxLength: 2048,
        description: 'A URL POSTed a signed download link (needs analytics.reports.link_secret).',
      }),
    ),
  },
  { additionalProperties: false, description: 'Where each run goes: email, webhook, or both.' },
);

const Parameters = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    time_range: Type.Optional(TimeRangeSchema),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  {
    additionalProperties: Type.Union([
      Type.String({ maxLength: 1000 }),
      Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
    ]),
    description:
      "Overrides of the definition's: the period defaults to the cadence's (last_24h, last_7d, last_30d), the time zone to the schedule's. Any other name is one of the definition's `parameters` (built-ins), checked when the schedule is saved.",
  },
);

const ScheduleSpec = Type.String({
  minLength: 5,
  maxLength: 120,
  description: '`daily`, `weekly` (Mondays), `monthly` (the 1st), or a cron expression.',
});
const Time = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'HH:MM for daily, weekly and monthly (default 08:00).',
});

/** What a schedule's update may change: all but its name, definition and pause state. */
const scheduleFields = {
  parameters: Type.Optional(Parameters),
  format: Type.Optional(ReportFormatSchema),
  schedule: ScheduleSpec,
  time: Type.Optional(Time),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  delivery: Delivery,
};

export const CreateScheduleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    ...definitionRef('The definition: its id or name (or give `report_definition_id`).'),
    ...scheduleFields,
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateScheduleBody = Static<typeof CreateScheduleBody>;

export const UpdateScheduleBody = updateBody(scheduleFields);
export type UpdateScheduleBody = Static<typeof UpdateScheduleBody>;

export interface ScheduleDelivery {
  email?: string[];
  webhook?: string;
}

/** A schedule's overrides, and the values of its definition's parameters. */
export type ScheduleParameters = {
  title?: string;
  time_range?: TimeRangeInput;
  timezone?: string;
} & { [name: string]: string | string[] | TimeRangeInput | undefined };

/** The values of a definition's parameters among a schedule's (all but its own overrides). */
export function reportParametersOf(p: ScheduleParameters): ParameterValues {
  const { title: _t, time_range: _r, timezone: _z, ...values } = p;
  return values as ParameterValues;
}

/** Checks a schedule's parameters against its definition's (400 naming a bad one). */
function checkScheduleParameters(def: StoredReportDefinition, p: ScheduleParameters): void {
  const values = checkParameters(def.data.parameters ?? [], reportParametersOf(p));
  if (p.time_range && (values.period || values.start_date)) {
    throw new NotifydError(
      'INVALID_REPORT_PARAMETER',
      'Give time_range or the period parameters (period, start_date, end_date), not both.',
      { parameter: values.period ? 'period' : 'start_date' },
    );
  }
}

export interface ScheduleData {
  name: string;
  definition_id: string;
  parameters: ScheduleParameters;
  format: ReportFormat | null;
  schedule: string;
  time: string;
  cron: string;
  timezone: string;
  delivery: ScheduleDelivery;
  /** The tenant its reports read; null: every tenant (made with an unbound key). */
  scope: string | null;
  paused: boolean;
  next_run_at: number | null;
  last_run_at: number | null;
  /** The run_at of the last run done: a retried job does not deliver twice. */
  last_due_at: number | null;
  last_report_id: string | null;
  last_error: string | null;
}
export type StoredSchedule = Stored<ScheduleData>;

export const SCHEDULE_OBJECT = analyticsKind(
  'analytics_report_schedule',
  'rps',
  'SCHEDULE_NOT_FOUND',
  'A schedule of every tenant needs an analytics:manage key bound to no tenant.',
);

/** The scheduler job that runs a schedule, due at its next run while it is active. */
export const SCHEDULE_JOB = new ObjectJob<ScheduleData>(
  'analytics.report_schedule',
  SCHEDULE_OBJECT,
  'report-schedule',
  'schedule_id',
  (d) => (d.paused ? null : d.next_run_at),
);

const schedule = viewFields<ScheduleData>();
export const { schema: ScheduleView, toView: scheduleView } = schedule.view({
  name: Type.String(),
  report_definition_id: schedule.made(Type.String(), (d) => d.definition_id),
  definition: schedule.made(
    Type.String({
      description: 'The same as `report_definition_id`, by the name the create body takes it.',
    }),
    (d) => d.definition_id,
  ),
  parameters: Parameters,
  format: Type.Union([ReportFormatSchema, Type.Null()]),
  schedule: Type.String(),
  time: Type.String(),
  cron: Type.String({ description: 'The cron expression it runs on.' }),
  timezone: Type.String(),
  delivery: Delivery,
  status: schedule.made(Type.Union([Type.Literal('active'), Type.Literal('paused')]), (d) =>
    d.paused ? 'paused' : 'active',
  ),
  next_run_at: schedule.made(Nullable(Type.String({ format: 'date-time' })), (d) =>
    isoOrNull(d.next_run_at),
  ),
  last_run_at: schedule.made(Nullable(Type.String({ format: 'date-time' })), (d) =>
    isoOrNull(d.last_run_at),
  ),
  last_report_id: Nullable(Type.String()),
  last_error: Nullable(Type.String()),
});

/** Report schedules as admin objects, each with its job while active. */
export class Schedules extends ObjectReads<ScheduleData> {
  readonly repo: ObjectRepository<ScheduleData>;
  protected override readonly byKey = true;

  constructor(
    store: ObjectStore,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly definitions: ReportDefinitions,
    private readonly scheduler: SchedulerService,
    /** Whether webhook delivery can sign links (analytics.reports.link_secret is set). */
    private readonly canSign: boolean,
  ) {
    super();
    this.repo = new ObjectRepository(store, SCHEDULE_OBJECT, clock, ids);
  }

  private checkDelivery(d: ScheduleDelivery): void {
    if (!d.email && !d.webhook) {
      throw new NotifydError('INVALID_SCHEDULE', 'Give delivery.email or delivery.webhook.', {
        field: 'body.delivery',
      });
    }
    if (d.webhook && !this.canSign) {
      throw new NotifydError(
        'INVALID_SCHEDULE',
        'Webhook delivery sends a signed link: set analytics.reports.link_secret.',
        { field: 'body.delivery.webhook' },
      );
    }
  }

  /** Checks the cadence and zone; answers the cron and the next run after now. */
  private async timing(schedule: string, time: string, timezone: string) {
    try {
      checkTimeZone(timezone);
    } catch (err) {
      throw new NotifydError('INVALID_SCHEDULE', (err as Error).message, {
        field: 'body.timezone',
      });
    }
    const cron = cronOf(schedule, time);
    return { cron, next: await nextRun(cron, timezone, this.clock.now()) };
  }

  async create(caller: Caller, body: CreateScheduleBody): Promise<StoredSchedule> {
    this.checkDelivery(body.delivery);
    const def = await this.definitions.asked(caller, body);
    if (!def) {
      throw new NotifydError('VALIDATION_ERROR', 'Give the definition to schedule.', {
        field: 'body.definition',
      });
    }
    if (body.parameters?.timezone) checkTimeZone(body.parameters.timezone);
    if (body.parameters) checkScheduleParameters(def, body.parameters as ScheduleParameters);
    const time = body.time ?? '08:00';
    const timezone = body.timezone ?? 'UTC';
    const { cron, next } = await this.timing(body.schedule, time, timezone);
    const paused = body.paused ?? false;
    const tenant = this.repo.targetTenant(caller, undefined);
    if (await this.repo.findByKey(caller, body.name)) {
      throw new NotifydError('SCHEDULE_CONFLICT', undefined, { name: body.name });
    }
    const created = await this.repo.create(
      tenant,
      {
        name: body.name,
        definition_id: def.id,
        parameters: (body.parameters ?? {}) as ScheduleParameters,
        format: body.format ?? null,
        schedule: body.schedule,
        time,
        cron,
        timezone,
        delivery: body.delivery,
        scope: caller.tenant_bound ? caller.tenant_id : null,
        paused,
        next_run_at: paused ? null : next,
        last_run_at: null,
        last_due_at: null,
        last_report_id: null,
        last_error: null,
      },
      body.name,
    );
    await SCHEDULE_JOB.arm(this.scheduler, created);
    return created;
  }

  async update(
    caller: Caller,
    idOrName: string,
    body: UpdateScheduleBody,
  ): Promise<StoredSchedule> {
    if (body.delivery) this.checkDelivery(body.delivery);
    if (body.parameters?.timezone) checkTimeZone(body.parameters.timezone);
    const found = await this.repo.resolve(caller, idOrName);
    if (body.parameters) {
      const def = await this.definitions.get(caller, found.data.definition_id);
      checkScheduleParameters(def, body.parameters as ScheduleParameters);
    }
    const { version, ...change } = body;
    const updated = await this.repo.update(
      caller,
      found.id,
      async (current) => {
        const d = { ...current.data, ...change };
        const { cron, next } = await this.timing(d.schedule, d.time, d.timezone);
        return { data: { ...d, cron, next_run_at: d.paused ? null : next }, key: current.key };
      },
      version,
    );
    await SCHEDULE_JOB.disarm(this.scheduler, updated);
    await SCHEDULE_JOB.arm(this.scheduler, updated);
    return updated;
  }

  /** Stops running it (its job is cancelled); runs missed while paused are not made up. */
  async pause(caller: Caller, idOrName: string): Promise<StoredSchedule> {
    const found = await this.repo.resolve(caller, idOrName);
    const updated = await this.repo.update(caller, found.id, (c) => ({
      data: { ...c.data, paused: true, next_run_at: null },
      key: c.key,
    }));
    await SCHEDULE_JOB.disarm(this.scheduler, updated);
    return updated;
  }

  /** Runs it again from its next occurrence after now. */
  async resume(caller: Caller, idOrName: string): Promise<StoredSchedule> {
    const found = await this.repo.resolve(caller, idOrName);
    const updated = await this.repo.update(caller, found.id, async (c) => ({
      data: {
        ...c.data,
        paused: false,
        next_run_at: await nextRun(c.data.cron, c.data.timezone, this.clock.now()),
      },
      key: c.key,
    }));
    await SCHEDULE_JOB.disarm(this.scheduler, updated);
    await SCHEDULE_JOB.arm(this.scheduler, updated);
    return updated;
  }

  async remove(caller: Caller, idOrName: string): Promise<StoredSchedule> {
    const found = await this.repo.resolve(caller, idOrName);
    const removed = await this.repo.remove(caller, found.id);
    await SCHEDULE_JOB.disarm(this.scheduler, removed);
    return removed;
  }
}
