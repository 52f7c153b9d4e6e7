import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type {
  RunPage,
  RunStartedView,
  RunView,
  Step,
  WorkflowVersionView,
  WorkflowView,
} from '../workflows/schemas.js';
import { readDocument } from './documents.js';
import { CliError, type CliIO } from './io.js';
import { enc, pageFlags, printer, query, registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import { intBetween } from './ratelimit-args.js';
import { call, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

type Workflow = Static<typeof WorkflowView>;
type Run = Static<typeof RunView>;

interface RunsOptions extends RemoteOptions {
  status?: string;
  recipient?: string;
  limit?: number;
  before?: string;
}

/** A page of runs as a table, and how to get the next page. */
export function describeRuns(page: Static<typeof RunPage>): string {
  const rows = page.data.map((r) => [
    r.id,
    r.status,
    r.recipient_id,
    String(r.workflow_version),
    r.current_step === null ? '' : String(r.current_step),
    r.started_at,
    r.ended_at ?? r.next_run_at ?? '',
  ]);
  const table = formatTable(
    ['RUN', 'STATUS', 'RECIPIENT', 'VERSION', 'STEP', 'STARTED', 'ENDED / NEXT'],
    rows,
  );
  return page.next_cursor ? `${table}(more: --before ${page.next_cursor})\n` : table;
}

const RUNS = '/api/v1/workflow-runs';

/** One step in a line: what it does and with what. */
export function describeStep(step: Step): string {
  switch (step.type) {
    case 'send':
      return `${step.channel}, ${step.template ? `template ${step.template}` : `"${step.content?.title}"`}`;
    case 'delay':
      return step.duration;
    case 'digest':
      return `window ${step.window}${step.key ? `, key ${step.key}` : ''}`;
    case 'condition': {
      const value = step.operator === 'exists' ? '' : ` ${JSON.stringify(step.value)}`;
      const fail =
        step.on_fail && step.on_fail !== 'stop' ? `skip to ${step.on_fail.skip_to}` : 'stop';
      return `${step.field} ${step.operator}${value}, else ${fail}`;
    }
  }
}

/** A workflow and its steps, for people. */
export function describeWorkflow(w: Workflow): string {
  const lines = [
    `${w.trigger_identifier} (${w.id}, ${owner(w)}, version ${w.version}): ${w.name}`,
    ...w.steps.map((s, i) => `  ${String(i).padStart(2)}  ${s.type.padEnd(9)}  ${describeStep(s)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A run: where it stands, its digest window, its step history, for people. */
export function describeRun(r: Run): string {
  const where =
    r.status === 'running'
      ? `running at step ${r.current_step}${r.next_run_at ? ` (next at ${r.next_run_at})` : ''}`
      : `${r.status}${r.ended_at ? ` at ${r.ended_at}` : ''}`;
  const lines = [
    `${r.id}: ${where}`,
    `  workflow   ${r.trigger_identifier} (${r.workflow_id}, version ${r.workflow_version})`,
    `  recipient  ${r.recipient_id}`,
    `  started    ${r.started_at}`,
    r.cancellation_key ? `  cancellation key  ${r.cancellation_key}` : '',
    r.digest
      ? `  digest     ${r.digest.status}, ${r.digest.count} trigger${r.digest.count === 1 ? '' : 's'}${r.digest.key ? ` (key ${r.digest.key})` : ''}, ${r.digest.window_start} to ${r.digest.window_end}`
      : '',
    r.history.length ? '  history' : '',
    ...r.history.map((h) => {
      const more = [
        h.channel,
        h.notification_id,
        h.until ? `until ${h.until}` : '',
        h.count !== undefined ? `${h.count} collected` : '',
        h.digested_into ? `into ${h.digested_into}` : '',
        h.skip_to !== undefined ? `to step ${h.skip_to}` : '',
        h.error,
      ].filter(Boolean);
      return `    ${String(h.step).padStart(2)}  ${h.type.padEnd(9)}  ${h.status.padEnd(10)}  ${h.at}${more.length ? `  ${more.join(' ')}` : ''}`;
    }),
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

/** `--payload '{json}'` or `--payload-file f` (YAML or JSON): the trigger's payload. */
function payloadOf(io: CliIO, opts: { payload?: string; payloadFile?: string }) {
  if (opts.payload !== undefined && opts.payloadFile !== undefined)
    throw new CliError('give --payload or --payload-file, not both');
  if (opts.payloadFile !== undefined) return readDocument(io, opts.payloadFile, 'payload');
  if (opts.payload === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(opts.payload);
  } catch (err) {
    throw new CliError(`--payload is not JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new CliError('--payload must be a JSON object');
  return value as Record<string, unknown>;
}

interface TriggerOptions extends RemoteOptions {
  recipient: string;
  payload?: string;
  payloadFile?: string;
  cancellationKey?: string;
}

/** `notifyd workflow create|list|show|versions|trigger|runs|cancel|delete`. */
export function registerWorkflowCommands(program: Command, io: CliIO): void {
  const out = printer(io);
  registerObjectCommands<Workflow>(program, io, {
    group: 'workflow',
    description: 'manage workflows (send, delay, digest and condition steps) and follow their runs',
    path: '/api/v1/workflows',
    noun: 'workflow',
    describe: describeWorkflow,
    create: {
      description: 'create a workflow from a YAML or JSON file (trigger_identifier, steps)',
      flags: (cmd) =>
        ownerFlags(
          cmd
            .requiredOption('-f, --file <file>', 'the workflow')
            .option('--name <name>', 'its name (instead of the file’s)'),
          'a global workflow (needs notifications:admin and a key bound to no tenant)',
        ),
      body: (opts: OwnerOptions & { file: string; name?: string }) => ({
        ...readDocument(io, opts.file, 'workflow'),
        ...(opts.name ? { name: opts.name } : {}),
        ...ownerOf(opts),
      }),
    },
    list: {
      description: "list the tenant's workflows",
      columns: [
        ['TRIGGER', (w) => w.trigger_identifier],
        ['ID', (w) => w.id],
        ['NAME', (w) => w.name],
        ['STEPS', (w) => w.steps.map((s) => s.type).join(',')],
        ['VERSION', (w) => String(w.version)],
      ],
    },
    more(group, api) {
      const runs = (opts: RemoteOptions, method: string, id: string) =>
        call(() => api.client(opts).request<Run>(method, `${RUNS}/${enc(id)}`));
      const printRun = (run: Run, opts: RemoteOptions) =>
        opts.json ? out.json(run) : out.text(describeRun(run));
      const showRun = async (id: string, opts: RemoteOptions) => {
        printRun(await runs(opts, 'GET', id), opts);
      };
      remoteOptions(
        group
          .command('show')
          .alias('get')
          .description('show a workflow and its steps, or one of its runs with --run')
          .argument('<id>', 'the workflow: its trigger identifier or id')
          .option(
            '--workflow-version <n>',
            'as it was at this version',
            intBetween(1, 1_000_000_000),
          )
          .option('--run <run-id>', 'show this run of it: state, digest window, step history'),
      ).action(
        async (id: string, opts: RemoteOptions & { run?: string; workflowVersion?: number }) => {
          if (!opts.run)
            return api.show(
              await api.call(opts, 'GET', `/${enc(id)}${query({ version: opts.workflowVersion })}`),
              opts,
            );
          const run = await runs(opts, 'GET', opts.run);
          if (id !== run.workflow_id && id !== run.trigger_identifier)
            throw new CliError(`${opts.run} is a run of ${run.trigger_identifier}, not of ${id}`);
          printRun(run, opts);
        },
      );
      remoteOptions(
        group
          .command('trigger')
          .description('start a run for one recipient')
          .argument('<id>', 'the workflow: its trigger identifier or id')
          .requiredOption('--recipient <id>', 'the subscriber it runs for')
          .option('--payload <json>', 'the payload, a JSON object')
          .option('--payload-file <file>', 'the payload as a YAML or JSON file')
          .option('--cancellation-key <key>', 'cancel it later with this key'),
      ).action(async (id: string, opts: TriggerOptions) => {
        const payload = payloadOf(io, opts);
        const body = {
          recipient_id: opts.recipient,
          ...(payload ? { payload } : {}),
          ...(opts.cancellationKey ? { cancellation_key: opts.cancellationKey } : {}),
        };
        const started = await api.call<Static<typeof RunStartedView>>(
          opts,
          'POST',
          `/${enc(id)}/trigger`,
          body,
        );
        if (opts.json) return out.json(started);
        out.text(`Started run ${started.run_id} of ${id} for ${opts.recipient}.\n`);
      });
      remoteOptions(
        pageFlags(
          group
            .command('versions')
            .description("list a workflow's versions, newest first")
            .argument('<id>', 'the workflow: its trigger identifier or id'),
        ),
      ).action(async (id: string, opts: RemoteOptions & { page?: number; perPage?: number }) => {
        await api.page<Static<typeof WorkflowVersionView>>(opts, `/${enc(id)}/versions`, [
          ['VERSION', (v) => String(v.version)],
          ['', (v) => (v.current ? 'current' : '')],
          ['STEPS', (v) => v.steps.map((st) => st.type).join(',')],
          ['MADE', (v) => v.updated_at],
        ]);
      });
      remoteOptions(
        group
          .command('runs')
          .alias('run')
          .description(
            "list a workflow's runs, newest first (filtered by --status, --recipient), or show one run (wfr_…): state, digest window, step history",
          )
          .argument(
            '<workflow-or-run>',
            'the workflow (trigger identifier or id), or a run (wfr_…)',
          )
          .option('--status <status>', 'only runs in this status (running, completed, …)')
          .option('--recipient <id>', 'only runs for this recipient')
          .option('--limit <n>', 'runs per page (default 50)', intBetween(1, 200))
          .option('--before <run-id>', 'only runs older than this one (the next page)'),
      ).action(async (ref: string, opts: RunsOptions) => {
        if (ref.startsWith('wfr_')) return showRun(ref, opts);
        const page = await call(() =>
          api.client(opts).request<Static<typeof RunPage>>(
            'GET',
            `${RUNS}${query({
              workflow: ref,
              status: opts.status,
              recipient_id: opts.recipient,
              limit: opts.limit,
              before: opts.before,
            })}`,
          ),
        );
        if (opts.json) return out.json(page);
        out.text(describeRuns(page));
      });
      remoteOptions(
        group
          .command('cancel')
          .description('cancel a run (nothing more of it runs)')
          .argument('<run-id>', 'the run (wfr_…)'),
      ).action(async (id: string, opts: RemoteOptions) => {
        const run = await runs(opts, 'DELETE', id);
        if (opts.json) return out.json(run);
        out.text(
          run.status === 'cancelled'
            ? `Cancelled run ${id}.\n`
            : `Run ${id} had ended: ${run.status}.\n`,
        );
      });
    },
    remove: {
      description: 'delete a workflow (runs under way go on)',
      argument: ['<id>', 'the workflow: its trigger identifier or id'],
    },
  });
}
