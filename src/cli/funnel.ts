import type { Static } from '@sinclair/typebox';
import { type Command, InvalidArgumentError } from 'commander';
import type { FunnelView } from '../analytics/funnels.js';
import {
  duration,
  type FunnelResults,
  funnelFigures,
  funnelSummary,
} from '../client/funnel-figures.js';
import { CliError, type CliIO } from './io.js';
import { enc, query, registerObjectCommands } from './object-commands.js';
import { collect, parseDuration } from './ratelimit-args.js';
import { type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';
import { spanOf } from './time-range.js';
import { filterOf } from './where.js';

type Funnel = Static<typeof FunnelView>;
type Step = Funnel['steps'][number];

const MAX_WINDOW_S = 90 * 86_400;

/**
 * A `--step`: `[NAME=]EVENT_TYPE[ where FILTER[ and FILTER…]]`, filters as `--where` reads
 * them (`source=web`, `amount>=10`). Without a name the step is called by its event type.
 */
export function stepOf(text: string): {
  name: string;
  event_type: string;
  filters?: Array<ReturnType<typeof filterOf>>;
} {
  const [head = '', ...rest] = text.split(/\s+where\s+/i);
  const at = head.indexOf('=');
  const name = (at >= 0 ? head.slice(0, at) : head).trim();
  const type = (at >= 0 ? head.slice(at + 1) : head).trim();
  if (!type || !name) {
    throw new CliError(`--step ${text}: expected [NAME=]EVENT_TYPE[ where FIELD=VALUE …]`);
  }
  const filters = rest
    .join(' where ')
    .split(/\s+and\s+/i)
    .filter((f) => f.trim())
    .map((f) => {
      try {
        return filterOf(f);
      } catch (err) {
        throw new CliError(
          `--step ${text}: ${(err as Error).message.replace(/^--where \S+: /, '')}`,
        );
      }
    });
  return { name, event_type: type, ...(filters.length ? { filters } : {}) };
}

const filterText = (s: Pick<Step, 'filters'>) =>
  s.filters?.length
    ? ` where ${s.filters.map((f) => `${f.field} ${f.operator} ${JSON.stringify(f.value)}`).join(' and ')}`
    : '';

function describe(f: Funnel): string {
  const lines = [
    `${f.name} (${f.id}, version ${f.version})`,
    ...(f.description ? [`  ${f.description}`] : []),
    `  window  ${duration(f.conversion_window_seconds)} from entering`,
    ...f.steps.map(
      (s, i) =>
        `  ${i === 0 ? 'steps ' : '      '}  ${i + 1}. ${s.name}: ${s.event_type}${filterText(s)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** A funnel's results for people: when, the steps as a table, the funnel as a whole. */
export function resultsText(name: string, r: FunnelResults): string {
  const rows = funnelFigures(r).map((s) => [
    s.step,
    s.entered,
    s.completed,
    s.conversion,
    s.drop_off,
    s.time_to_next,
  ]);
  const table = formatTable(
    ['STEP', 'ENTERED', 'COMPLETED', 'CONVERSION', 'DROP-OFF', 'AVG TIME TO NEXT'],
    rows,
  );
  return `${name}: users entering from ${r.time_range.start} to ${r.time_range.end}\n${table}${funnelSummary(r)} (${r.rows_scanned} rows scanned)\n`;
}

function windowSeconds(value: string): number {
  const s = parseDuration(value);
  if (s > MAX_WINDOW_S) throw new InvalidArgumentError('At most 90d.');
  return s;
}

interface CreateOptions extends RemoteOptions {
  step: string[];
  window?: number;
  description?: string;
}

interface ResultsOptions extends RemoteOptions {
  last?: string;
  from?: string;
  to?: string;
}

/** `notifyd analytics funnel create|list|get|results|delete`, under `analytics`. */
export function registerFunnelCommands(analytics: Command, io: CliIO): void {
  registerObjectCommands<Funnel>(analytics, io, {
    group: 'funnel',
    description: 'funnels: ordered steps users go through, and how many go on at each',
    path: '/api/v1/analytics/funnels',
    noun: 'funnel',
    describe,
    create: {
      description:
        "create a funnel (e.g. create activation --step 'Signed up=signup' --step 'onboard where source=web' --step purchase --window 7d)",
      argument: ['<name>', 'the funnel’s name'],
      flags: (cmd) =>
        cmd
          .requiredOption(
            '-s, --step <step>',
            '[NAME=]EVENT_TYPE[ where FIELD=VALUE[ and …]], in order; 2 to 10',
            collect,
          )
          .option(
            '--window <span>',
            'how long after entering later steps count: 30m, 12h, 7d (default 7d, at most 90d)',
            windowSeconds,
          )
          .option('--description <text>', 'what the funnel is for'),
      body: (o: CreateOptions, name: string) => {
        if (o.step.length < 2) throw new CliError('a funnel needs at least two --step');
        return {
          name,
          steps: o.step.map(stepOf),
          ...(o.window ? { conversion_window_seconds: o.window } : {}),
          ...(o.description ? { description: o.description } : {}),
        };
      },
    },
    list: {
      description: 'list funnels',
      columns: [
        ['NAME', (f) => f.name],
        ['STEPS', (f) => f.steps.map((s) => s.name).join(' → ')],
        ['WINDOW', (f) => duration(f.conversion_window_seconds)],
        ['UPDATED', (f) => f.updated_at],
        ['ID', (f) => f.id],
      ],
    },
    get: { description: 'show a funnel and its steps', argument: ['<name-or-id>', 'the funnel'] },
    more: (group, api) => {
      remoteOptions(
        group
          .command('results')
          .description('how many users entered each step and went on, over a period')
          .argument('<name-or-id>', 'the funnel')
          .option('--last <length>', 'users entering in the last 7d, 30d, 90d, 12h… (default 30d)')
          .option('--from <time>', 'users entering from (ISO 8601), instead of --last')
          .option('--to <time>', 'until (ISO 8601, default now)'),
      ).action(async (id: string, opts: ResultsOptions) => {
        const span = spanOf(opts, Date.now());
        const r = await api.call<FunnelResults>(opts, 'GET', `/${enc(id)}/results${query(span)}`);
        if (opts.json) return api.out.json(r);
        api.out.text(resultsText(id, r));
      });
    },
    remove: { description: 'delete a funnel', argument: ['<name-or-id>', 'the funnel'] },
  });
}
