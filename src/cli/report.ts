import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { ReportDefinitionView } from '../analytics/report-definitions.js';
import type { ReportViewT } from '../analytics/reports.js';
import type { PageBody } from '../http/admin-routes.js';
import { CliError, type CliIO } from './io.js';
import { enc, type ObjectApi, query, registerObjectCommands } from './object-commands.js';
import { collect, oneOf } from './ratelimit-args.js';
import { call, type RemoteOptions, remoteOptions } from './remote.js';
import { parametersOf } from './report-params.js';
import { registerScheduleCommands } from './report-schedule.js';
import { formatTable } from './table.js';
import { PRESET_OF } from './time-range.js';

type Definition = import('@sinclair/typebox').Static<typeof ReportDefinitionView>;

const FORMATS = ['pdf', 'csv', 'json'] as const;
/** A report's `--last`: the spans the API has presets for. */
const LAST = ['24h', '7d', '30d', '90d', '1y'];

function describe(r: ReportViewT): string {
  const lines = [
    `${r.title} (${r.id}, ${r.status})`,
    ...(r.period ? [`  period    ${r.period.start} to ${r.period.end}`] : []),
    `  format    ${r.format}${r.file_size_bytes !== null ? `, ${r.file_size_bytes} bytes` : ''}`,
    ...r.sections.map(
      (s) => `  section   ${s.title}: ${s.rows} rows${s.truncated ? ` of ${s.total_count}` : ''}`,
    ),
    ...(r.expires_at ? [`  expires   ${r.expires_at}`] : []),
    ...(r.error_message ? [`  error     ${r.error_code}: ${r.error_message}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

interface GenerateOptions extends RemoteOptions {
  query?: string[];
  by?: string;
  granularity?: string;
  last?: string;
  from?: string;
  to?: string;
  timezone?: string;
  title?: string;
  format?: string;
  out?: string;
  param?: string[];
}

/** The period parameters every built-in definition takes; the table lists the others. */
const PERIOD_PARAMS = new Set(['period', 'start_date', 'end_date']);

/** The body of `POST /reports` from the command's arguments. */
export function generateBody(definition: string | undefined, o: GenerateOptions) {
  if (!definition && !o.query?.length) {
    throw new CliError('give a definition (its name or id) or --query metrics');
  }
  if (definition && o.query?.length) throw new CliError('give a definition or --query, not both');
  if (o.last && (o.from || o.to)) throw new CliError('give --last or --from/--to, not both');
  if (Boolean(o.from) !== Boolean(o.to)) throw new CliError('--from and --to go together');
  const dims = o.by ? o.by.split(',').filter(Boolean) : undefined;
  return {
    ...(definition ? { definition } : {}),
    ...(o.query?.length
      ? {
          queries: o.query.map((q) => ({
            title: q,
            metrics: q.split(',').filter(Boolean),
            ...(dims ? { dimensions: dims } : {}),
            ...(o.granularity ? { granularity: o.granularity } : {}),
          })),
        }
      : {}),
    ...(o.last ? { time_range: { preset: PRESET_OF[o.last] } } : {}),
    ...(o.from ? { time_range: { start: o.from, end: o.to } } : {}),
    ...(o.timezone ? { timezone: o.timezone } : {}),
    ...(o.title ? { title: o.title } : {}),
    ...(o.format ? { format: o.format } : {}),
    ...(o.param?.length ? { parameters: parametersOf(o.param) } : {}),
  };
}

async function save(
  io: CliIO,
  api: ObjectApi<ReportViewT>,
  opts: RemoteOptions,
  id: string,
  format: string | undefined,
  out: string,
): Promise<number> {
  const file = await call(() =>
    api.client(opts).download(`/api/v1/reports/${enc(id)}/download${query({ format })}`),
  );
  writeFileSync(resolve(io.cwd, out), file.bytes);
  return file.bytes.byteLength;
}

/** `notifyd report definitions|generate|list|get|download|schedule …|delete`. */
export function registerReportCommands(program: Command, io: CliIO): void {
  registerObjectCommands<ReportViewT>(program, io, {
    group: 'report',
    description: 'generate and download analytics reports (CSV, JSON, PDF)',
    path: '/api/v1/reports',
    noun: 'report',
    describe,
    beforeList(group, api) {
      remoteOptions(
        group
          .command('generate')
          .description(
            'generate a report from a definition, or from --query metrics (e.g. --query count:signup,count:login --by plan --last 7d)',
          )
          .argument('[definition]', 'the report definition (name or id)')
          .option(
            '--param <name=value>',
            "a parameter of the definition, e.g. --param channel=email,push --param period=last_30d (repeatable; see 'report definitions')",
            collect,
          )
          .option('--query <metrics>', 'a section: comma-separated metrics (repeatable)', collect)
          .option('--by <dimensions>', 'group --query sections by these (comma-separated)')
          .addOption(
            new Option('--granularity <g>', 'hour | day | week | month').argParser(
              oneOf(['hour', 'day', 'week', 'month']),
            ),
          )
          .addOption(new Option('--last <span>', LAST.join(' | ')).argParser(oneOf(LAST)))
          .option('--from <iso-time>', 'start of the period')
          .option('--to <iso-time>', 'end of the period (excluded)')
          .option('--timezone <zone>', 'IANA time zone for buckets and dates')
          .option('--title <text>', 'the report’s title')
          .addOption(new Option('--format <f>', FORMATS.join(' | ')).argParser(oneOf(FORMATS)))
          .option('--out <file>', 'download the file here once generated'),
      ).action(async (definition: string | undefined, opts: GenerateOptions) => {
        const body = generateBody(definition, opts);
        const report = await api.call(opts, 'POST', '', body);
        if (report.status !== 'completed') {
          throw new CliError(
            `report ${report.id} failed: ${report.error_code}: ${report.error_message}`,
          );
        }
        if (opts.out) {
          const bytes = await save(io, api, opts, report.id, opts.format, opts.out);
          if (!opts.json) api.out.text(`Wrote ${opts.out} (${bytes} bytes).\n`);
        }
        if (opts.json) api.out.json(report);
        else api.out.text(describe(report));
      });
    },
    list: {
      description: 'list generated reports',
      flags: (cmd) =>
        cmd.addOption(
          new Option('--status <s>', 'completed | failed').argParser(
            oneOf(['completed', 'failed']),
          ),
        ),
      query: (opts) => ({ status: opts.status as string | undefined }),
      columns: [
        ['ID', (r) => r.id],
        ['TITLE', (r) => r.title],
        ['STATUS', (r) => r.status],
        ['FORMAT', (r) => r.format],
        ['PERIOD', (r) => (r.period ? `${r.period.start} – ${r.period.end}` : '')],
        ['EXPIRES', (r) => r.expires_at ?? ''],
      ],
    },
    get: { description: 'show a generated report', argument: ['<id>', 'the report (rpt_…)'] },
    more(group, api) {
      registerScheduleCommands(group, io);
      remoteOptions(
        group
          .command('download')
          .description('download a generated report')
          .argument('<id>', 'the report (rpt_…)')
          .addOption(new Option('--format <f>', FORMATS.join(' | ')).argParser(oneOf(FORMATS)))
          .requiredOption('--out <file>', 'where to write it'),
      ).action(async (id: string, opts: RemoteOptions & { format?: string; out: string }) => {
        const bytes = await save(io, api, opts, id, opts.format, opts.out);
        if (opts.json) api.out.json({ id, out: opts.out, bytes });
        else api.out.text(`Wrote ${opts.out} (${bytes} bytes).\n`);
      });
      remoteOptions(group.command('definitions').description('list report definitions')).action(
        async (opts: RemoteOptions) => {
          const page = await call(() =>
            api
              .client(opts)
              .request<PageBody<Definition>>('GET', '/api/v1/reports/definitions?per_page=200'),
          );
          if (opts.json) return api.out.json(page);
          api.out.text(
            formatTable(
              ['NAME', 'CATEGORY', 'TITLE', 'SECTIONS', 'PARAMETERS', 'PERIOD', 'FORMAT'],
              page.data.map((d) => [
                d.name,
                d.category,
                d.title,
                String(d.queries.length),
                d.parameters
                  .filter((p) => !PERIOD_PARAMS.has(p.name))
                  .map((p) => `${p.name}${p.required ? '*' : ''}`)
                  .join(', ') || '-',
                d.time_range.preset ?? `${d.time_range.start} – ${d.time_range.end}`,
                d.format,
              ]),
            ),
          );
        },
      );
    },
    remove: { description: 'delete a generated report', argument: ['<id>', 'the report (rpt_…)'] },
  });
}
