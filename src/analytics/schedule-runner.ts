/**
 * Runs a report schedule's job: generates the report for the period and delivers it through
 * notifyd's own channels — an email per address with the file attached, or a webhook
 * message with a signed download link — then records the run and answers the next one.
 * A run that cannot generate or deliver is recorded (`last_error`) and the schedule goes
 * on; a stale job (the schedule was changed, paused or deleted meanwhile) does nothing.
 */
import type { Clock } from '../core/clock.js';
import { toNotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SendNotificationBody } from '../notifications/schemas.js';
import type { ObjectRepository } from '../objects/repository.js';
import type { Caller } from '../objects/tenancy.js';
import type { JobRecord, JobResult } from '../scheduler/jobs.js';
import type { ObjectStore } from '../store/objects.js';
import { type LinkSettings, signedLink } from './report-links.js';
import type { Reports, StoredReport } from './reports.js';
import { defaultPreset, nextRun } from './schedule-cadence.js';
import {
  reportParametersOf,
  SCHEDULE_JOB,
  type ScheduleData,
  type StoredSchedule,
} from './schedules.js';

/** The send path reports go out through (the notifications service). */
export interface ReportSender {
  send(tenantId: string, input: SendNotificationBody, requestId: string): Promise<object>;
}

export interface ScheduleRunnerDeps {
  objects: ObjectStore;
  repo: ObjectRepository<ScheduleData>;
  reports: Reports;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Null until the notifications module offers its service. */
  sender: () => ReportSender | null;
  links: LinkSettings;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A period for people: days when it is whole days (UTC), else minutes. */
function periodText(from: number, to: number): string {
  if (from % DAY === 0 && to % DAY === 0) {
    return to - from === DAY ? day(from) : `${day(from)} to ${day(to - 1)}`;
  }
  const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return `${at(from)} to ${at(to)} UTC`;
}
const DAY = 86_400_000;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class ScheduleRunner {
  constructor(private readonly deps: ScheduleRunnerDeps) {}

  async run(job: JobRecord): Promise<JobResult> {
    const found = await SCHEDULE_JOB.due(this.deps.objects, job);
    if (!found) return undefined;
    const now = this.deps.clock.now();
    const next = await nextRun(found.data.cron, found.data.timezone, Math.max(now, job.run_at));
    let outcome: { report: string | null; error: string | null } = { report: null, error: null };
    if (found.data.last_due_at !== job.run_at) outcome = await this.generate(found);
    await this.record(found, job.run_at, next, outcome);
    return { runAt: next };
  }

  /** Makes the report and delivers it; answers the report id and what went wrong, if anything. */
  private async generate(
    s: StoredSchedule,
  ): Promise<{ report: string | null; error: string | null }> {
    const { reports } = this.deps;
    const tenant = s.tenant_id ?? 'default';
    const caller: Caller = {
      key_id: `schedule:${s.id}`,
      tenant_id: tenant,
      tenant_bound: s.data.scope !== null,
      admin: true,
    };
    try {
      const p = s.data.parameters;
      const values = reportParametersOf(p);
      // Period parameters choose the period themselves; else it is the cadence's.
      const ownPeriod = values.period !== undefined || values.start_date !== undefined;
      const spec = await reports.specOf(caller, {
        definition: s.data.definition_id,
        ...(p.title ? { title: p.title } : {}),
        ...(Object.keys(values).length ? { parameters: values } : {}),
        ...(ownPeriod
          ? {}
          : { time_range: p.time_range ?? { preset: defaultPreset(s.data.schedule) } }),
        timezone: p.timezone ?? s.data.timezone,
        ...(s.data.format ? { format: s.data.format } : {}),
      });
      const report = await reports.make(spec, s.tenant_id, s.data.scope, s.id);
      if (report.data.status !== 'completed') {
        return {
          report: report.id,
          error: `${report.data.error_code}: ${report.data.error_message}`,
        };
      }
      await this.deliver(s, report);
      return { report: report.id, error: null };
    } catch (err) {
      const e = toNotifydError(err);
      this.deps.logger.warn({ err, schedule: s.id }, 'scheduled report failed');
      return { report: null, error: `${e.code}: ${e.message}` };
    }
  }

  private async deliver(s: StoredSchedule, report: StoredReport): Promise<void> {
    const { ids, reports, links, clock } = this.deps;
    const sender = this.deps.sender();
    if (!sender) throw new Error('the notifications service is not available');
    const tenant = s.tenant_id ?? 'default';
    const d = report.data;
    const period = periodText(d.period_start!, d.period_end!);
    const subject = `${d.title} (${period})`;
    const common = { category: 'reports', data: { report_id: report.id, schedule_id: s.id } };
    if (s.data.delivery.email) {
      const file = await reports.fileOf(report);
      const attachment = {
        filename: `${d.title.replace(/[^\w.-]+/g, '-')}-${day(d.period_start!)}.${d.format}`,
        content_type: file.contentType,
        content_base64: Buffer.from(file.body).toString('base64'),
      };
      const text = `${d.title}, ${period}, from the schedule ${s.data.name}. The report is attached.`;
      for (const to of s.data.delivery.email) {
        await sender.send(
          tenant,
          {
            recipient: { id: to, email: to },
            channels: ['email'],
            content: { title: subject, body: text },
            channel_overrides: {
              email: {
                subject,
                text,
                html: `<p>${escapeHtml(text)}</p>`,
                attachments: [attachment],
              },
            },
            ...common,
          },
          ids('req'),
        );
      }
    }
    if (s.data.delivery.webhook) {
      const expires = Math.min(d.expires_at ?? Number.POSITIVE_INFINITY, clock.now() + links.ttlMs);
      const body = {
        type: 'analytics.report.scheduled',
        schedule_id: s.id,
        schedule_name: s.data.name,
        report_id: report.id,
        title: d.title,
        format: d.format,
        period_start: new Date(d.period_start!).toISOString(),
        period_end: new Date(d.period_end!).toISOString(),
        download_url: signedLink(links, report.id, d.format, expires),
        expires_at: new Date(expires).toISOString(),
      };
      await sender.send(
        tenant,
        {
          recipient: { id: `schedule:${s.id}`, data: { webhook_url: s.data.delivery.webhook } },
          channels: ['webhook'],
          content: { title: subject, body: `Download: ${body.download_url}` },
          channel_overrides: { webhook: { body } },
          ...common,
        },
        ids('req'),
      );
    }
  }

  /** Writes the run into the schedule, unless it changed meanwhile (then the change wins). */
  private async record(
    s: StoredSchedule,
    dueAt: number,
    next: number,
    outcome: { report: string | null; error: string | null },
  ): Promise<void> {
    const done = s.data.last_due_at === dueAt;
    await this.deps.repo.replace(
      s,
      {
        ...s.data,
        next_run_at: next,
        ...(done
          ? {}
          : {
              last_run_at: this.deps.clock.now(),
              last_due_at: dueAt,
              last_report_id: outcome.report,
              last_error: outcome.error,
            }),
      },
      s.key,
    );
  }
}
