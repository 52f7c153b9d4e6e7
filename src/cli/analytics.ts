import type { Command } from 'commander';
import { registerFunnelCommands } from './funnel.js';
import type { CliIO } from './io.js';
import { printer } from './object-commands.js';
import { collect, intBetween, oneOf } from './ratelimit-args.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';
import { payloadOf } from './template.js';
import { timeRangeOf } from './time-range.js';
import { filterOf } from './where.js';

const GRANULARITIES = ['minute', 'hour', 'day', 'week', 'month'] as const;

interface QueryResult {
  data: Array<{
    timestamp: string;
    /** Null: a ratio with nothing to divide by in the row. */
    values: Record<string, number | null>;
    dimensions: Record<string, string>;
  }>;
  metadata: { query_ms: number; rows_scanned: number; source: string; granularity: string | null };
  total_count: number;
}

/** A value as the table shows it; a ratio with no value (0 / 0) as an em dash, not 0. */
const number = (v: number | null | undefined) =>
  v === undefined
    ? ''
    : v === null
      ? '—'
      : Number.isInteger(v)
        ? String(v)
        : v.toFixed(4).replace(/0+$/, '');

/** A query result as a table: the bucket (when there is a granularity), dimensions, metrics. */
export function resultTable(r: QueryResult, metrics: string[], dims: string[]): string {
  const timed = r.metadata.granularity !== null;
  const headers = [...(timed ? ['TIME'] : []), ...dims.map((d) => d.toUpperCase()), ...metrics];
  const rows = r.data.map((row) => [
    ...(timed ? [row.timestamp] : []),
    ...dims.map((d) => row.dimensions[d] ?? ''),
    ...metrics.map((m) => number(row.values[m])),
  ]);
  const shown = r.data.length < r.total_count ? ` (${r.data.length} of ${r.total_count} rows)` : '';
  return `${formatTable(headers, rows)}${r.metadata.source}, ${r.metadata.rows_scanned} rows scanned in ${r.metadata.query_ms} ms${shown}\n`;
}

interface QueryOptions extends RemoteOptions {
  metric: string[];
  by?: string[];
  where?: string[];
  last?: string;
  from?: string;
  to?: string;
  granularity?: string;
  timezone?: string;
  limit?: number;
}

interface TrackOptions extends RemoteOptions {
  user?: string;
  prop?: string[];
  tenant?: string;
  at?: string;
  eventId?: string;
}

/** `notifyd analytics query|metrics|track|funnel`: the analytics API from a terminal. */
export function registerAnalyticsCommands(program: Command, io: CliIO): void {
  const group = program
    .command('analytics')
    .description(
      'query analytics (a table, or --json), list metrics, track an event, funnels and their results',
    );
  const out = printer(io);
  const api = <T>(opts: RemoteOptions, method: string, path: string, body?: unknown) =>
    call(() => clientFor(io, opts).request<T>(method, `/api/v1/analytics${path}`, body));

  remoteOptions(
    group
      .command('query')
      .description('one or more metrics over a time range, by dimensions')
      .requiredOption(
        '-m, --metric <name>',
        'a metric (notifyd analytics metrics); repeat',
        collect,
      )
      .option('-b, --by <dimension>', 'a dimension (channel, category, tenant…); repeat', collect)
      .option('-w, --where <filter>', 'field=value, != > >= < <= ~ (contains); repeat', collect)
      .option('--last <length>', 'how far back: 24h, 7d, 30d, 90d, 1y, or any 90m/12h/2w', '')
      .option('--from <time>', 'start (ISO 8601), instead of --last')
      .option('--to <time>', 'end (ISO 8601, default now)')
      .option('-g, --granularity <unit>', GRANULARITIES.join(' | '), oneOf(GRANULARITIES))
      .option('--timezone <zone>', 'buckets in this IANA zone (default UTC)')
      .option('--limit <n>', 'most rows (1-10000)', intBetween(1, 10_000)),
  ).action(async (opts: QueryOptions) => {
    const body = {
      metrics: opts.metric,
      ...(opts.by?.length ? { dimensions: opts.by } : {}),
      ...(opts.where?.length ? { filters: opts.where.map(filterOf) } : {}),
      time_range: timeRangeOf({ ...opts, last: opts.last || undefined }, Date.now()),
      ...(opts.granularity ? { granularity: opts.granularity } : {}),
      ...(opts.timezone ? { timezone: opts.timezone } : {}),
      ...(opts.limit ? { limit: opts.limit } : {}),
    };
    const r = await api<QueryResult>(opts, 'POST', '/query', body);
    if (opts.json) return out.json(r);
    out.text(resultTable(r, opts.metric, opts.by ?? []));
  });

  remoteOptions(group.command('metrics').description('the metrics a query can ask for')).action(
    async (opts: RemoteOptions) => {
      const r = await api<{ data: Array<{ name: string; kind: string; description: string }> }>(
        opts,
        'GET',
        '/metrics',
      );
      if (opts.json) return out.json(r);
      out.text(
        `${formatTable(
          ['METRIC', 'KIND', 'DESCRIPTION'],
          r.data.map((m) => [m.name, m.kind, m.description]),
        )}Any event type too: count:<event_type>, unique_users:<event_type>.\n`,
      );
    },
  );

  remoteOptions(
    group
      .command('track')
      .description('record one event (to try a metric, a funnel or an alert rule)')
      .argument('<event-type>', 'e.g. signup, auth.login, feature_used')
      .option('-u, --user <id>', 'the user it is about')
      .option(
        '-p, --prop <name=value>',
        'a property (values read as JSON when they are); repeat',
        collect,
      )
      .option('--tenant <id>', 'the tenant (a key bound to none may name one)')
      .option('--at <time>', 'when it happened (ISO 8601, default now)')
      .option('--event-id <id>', 'an idempotency id: a second event with it is ignored'),
  ).action(async (type: string, opts: TrackOptions) => {
    const body = {
      event_type: type,
      ...(opts.user ? { user_id: opts.user } : {}),
      ...(opts.prop?.length ? { properties: payloadOf(opts.prop, '--prop') } : {}),
      ...(opts.tenant ? { tenant_id: opts.tenant } : {}),
      ...(opts.at ? { timestamp: opts.at } : {}),
      ...(opts.eventId ? { event_id: opts.eventId } : {}),
    };
    const r = await api<{ id?: string; duplicate: boolean }>(opts, 'POST', '/events', body);
    if (opts.json) return out.json(r);
    out.text(
      r.duplicate
        ? `Ignored: event id ${opts.eventId} was seen before.\n`
        : `Tracked ${type} (${r.id}).\n`,
    );
  });

  registerFunnelCommands(group, io);
}
