import type { Static } from '@sinclair/typebox';
import { type Command, Option } from 'commander';
import type { ScheduleView } from '../analytics/schedules.js';
import { CliError, type CliIO } from './io.js';
import { enc, registerObjectCommands } from './object-commands.js';
import { collect, oneOf } from './ratelimit-args.js';
import { type RemoteOptions, remoteOptions } from './remote.js';
import { parametersOf } from './report-params.js';

type Schedule = Static<typeof ScheduleView>;

/** The day a cadence runs on (docs/reports.md), which `weekly at 08:00` alone does not say. */
const ON_DAY: Record<string, string> = { weekly: ' on Mondays', monthly: ' on the 1st' };

/**
 * A schedule for people. `definitionName`, when known (the name `create` was given), is shown
 * with the definition's id: a user-made definition's id alone (`rpd_…`) says nothing.
 */
function describe(s: Schedule, definitionName?: string): string {
  const to = [...(s.delivery.email ?? []), ...(s.delivery.webhook ? [s.delivery.webhook] : [])];
  const definition =
    definitionName && definitionName !== s.report_definition_id
      ? `${definitionName} (${s.report_definition_id})`
      : s.report_definition_id;
  const lines = [
    `${s.name} (${s.id}, ${s.status})`,
    `  report    ${definition}${s.format ? ` as ${s.format}` : ''}`,
    `  runs      ${s.schedule === s.cron ? s.cron : `${s.schedule}${ON_DAY[s.schedule] ?? ''} at ${s.time}`} ${s.timezone}`,
    `  to        ${to.join(', ')}`,
    ...(s.next_run_at ? [`  next      ${s.next_run_at}`] : []),
    ...(s.last_run_at ? [`  last      ${s.last_run_at} (${s.last_report_id ?? 'no report'})`] : []),
    ...(s.last_error ? [`  error     ${s.last_error}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

interface CreateOptions extends RemoteOptions {
  schedule: string;
  at?: string;
  timezone?: string;
  format?: string;
  email?: string[];
  webhook?: string;
  title?: string;
  param?: string[];
  paused?: boolean;
}

/** `notifyd report schedule create|list|get|pause|resume|delete`, under `report`. */
export function registerScheduleCommands(report: Command, io: CliIO): void {
  registerObjectCommands<Schedule>(report, io, {
    group: 'schedule',
    description: 'reports generated on a schedule and sent by email or webhook',
    path: '/api/v1/reports/schedules',
    noun: 'report schedule',
    describe: (s) => describe(s),
    beforeList(group, api) {
      remoteOptions(
        group
          .command('create')
          .description(
            'schedule a report definition (e.g. create weekly-ops ops-summary --schedule weekly --at 09:00 --timezone Europe/Berlin --email ops@acme.test)',
          )
          .argument('<name>', 'the schedule’s name')
          .argument('<definition>', 'the report definition (name or id)')
          .requiredOption(
            '--schedule <when>',
            'daily | weekly (Mondays) | monthly (the 1st) | a cron expression',
          )
          .option('--at <HH:MM>', 'time of day for daily, weekly, monthly (default 08:00)')
          .option('--timezone <zone>', 'IANA time zone it runs in (default UTC)')
          .addOption(
            new Option('--format <f>', 'pdf | csv | json').argParser(oneOf(['pdf', 'csv', 'json'])),
          )
          .option('--email <address>', 'mail the file to this address (repeatable)', collect)
          .option('--webhook <url>', 'POST a signed download link here')
          .option('--title <text>', 'the reports’ title')
          .option(
            '--param <name=value>',
            'a parameter of the definition, e.g. --param channel=email (repeatable)',
            collect,
          )
          .option('--paused', 'create it paused'),
      ).action(async (name: string, definition: string, opts: CreateOptions) => {
        if (!opts.email?.length && !opts.webhook) throw new CliError('give --email or --webhook');
        const s = await api.call(opts, 'POST', '', {
          name,
          definition,
          schedule: opts.schedule,
          ...(opts.at ? { time: opts.at } : {}),
          ...(opts.timezone ? { timezone: opts.timezone } : {}),
          ...(opts.format ? { format: opts.format } : {}),
          ...(opts.title || opts.param?.length
            ? {
                parameters: {
                  ...parametersOf(opts.param ?? []),
                  ...(opts.title ? { title: opts.title } : {}),
                },
              }
            : {}),
          ...(opts.paused ? { paused: true } : {}),
          delivery: {
            ...(opts.email?.length ? { email: opts.email } : {}),
            ...(opts.webhook ? { webhook: opts.webhook } : {}),
          },
        });
        // Says what was made first, as the other create commands do: the schedule, not the
        // definition it runs (whose id was all a user-made definition showed).
        if (opts.json) api.out.json(s);
        else api.out.text(`Created report schedule ${describe(s, definition)}`);
      });
    },
    list: {
      description: 'list report schedules',
      columns: [
        ['NAME', (s) => s.name],
        ['ID', (s) => s.id],
        ['RUNS', (s) => (s.schedule === s.cron ? s.cron : `${s.schedule} ${s.time}`)],
        ['ZONE', (s) => s.timezone],
        ['STATUS', (s) => s.status],
        ['NEXT RUN', (s) => s.next_run_at ?? ''],
        ['LAST RUN', (s) => s.last_run_at ?? ''],
      ],
    },
    get: { description: 'show a report schedule', argument: ['<name-or-id>', 'the schedule'] },
    actions: (['pause', 'resume'] as const).map((action) => ({
      name: action,
      description: `${action} a report schedule`,
      argument: ['<name-or-id>', 'the schedule'] as [string, string],
      request: (id: string): [string, string] => ['POST', `/${enc(id)}/${action}`],
    })),
    remove: { description: 'delete a report schedule', argument: ['<name-or-id>', 'the schedule'] },
  });
}
