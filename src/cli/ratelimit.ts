import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { PageBody } from '../http/admin-routes.js';
import type { AdjustmentView } from '../ratelimit/schemas.js';
import { CliError, type CliIO } from './io.js';
import { enc } from './object-commands.js';
import { parseDuration, parseLimit } from './ratelimit-args.js';
import { rl } from './ratelimit-client.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

type Adjustment = Static<typeof AdjustmentView>;

const UNIT_SECONDS = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;

/** The `notifyd ratelimit` group, created once; several files add commands to it. */
export function ratelimitCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'ratelimit') ??
    program
      .command('ratelimit')
      .description('rate limiting: temporary adjustments, checks and where a subject stands')
  );
}

interface AdjustOptions extends RemoteOptions {
  rule?: string;
  limit?: ReturnType<typeof parseLimit>;
  duration?: number;
  reason?: string;
  revert?: string;
  list?: boolean;
}

/**
 * `notifyd ratelimit adjust`: a temporary limit for a rule (`--rule … --limit 500/minute
 * --duration 1h --reason launch`), `--list` the active ones, `--revert <id>` one early.
 */
export function registerRateLimitAdjust(program: Command, io: CliIO): void {
  const print = (s: string): void => {
    io.stdout.write(s);
  };
  remoteOptions(
    ratelimitCommand(program)
      .command('adjust')
      .description("replace a rule's limit for a while; it reverts by itself")
      .option('--rule <id>', 'the rule (rlr_…)')
      .option('--limit <count/window>', 'the temporary limit, e.g. 500/minute', parseLimit)
      .option('--duration <duration>', 'for how long, e.g. 30m or 2h', parseDuration)
      .option('--reason <text>', 'why (kept with it)')
      .option('--list', 'list the adjustments in force')
      .option('--revert <adjustment-id>', 'end an adjustment now'),
  ).action(async (opts: AdjustOptions) => {
    const client = clientFor(io, opts);
    if (opts.list) {
      const page = await call(() =>
        rl<PageBody<Adjustment>>(client, 'GET', '/adjustments?active=true&per_page=200'),
      );
      if (opts.json) return print(`${JSON.stringify(page, null, 2)}\n`);
      const rows = page.data.map((a) => [
        a.id,
        a.rule_id,
        `${a.max_requests}${a.window_seconds ? `/${a.window_seconds}s` : ''}`,
        a.expires_at,
        a.reason,
        a.created_by,
      ]);
      return print(formatTable(['ID', 'RULE', 'LIMIT', 'UNTIL', 'REASON', 'BY'], rows));
    }
    if (opts.revert) {
      const a = await call(() =>
        rl<Adjustment>(client, 'POST', `/adjustments/${enc(opts.revert!)}/revert`),
      );
      return print(
        opts.json
          ? `${JSON.stringify(a, null, 2)}\n`
          : `Reverted ${a.id}; rule ${a.rule_id} has its own limit again.\n`,
      );
    }
    for (const [flag, value] of [
      ['--rule', opts.rule],
      ['--limit', opts.limit],
      ['--duration', opts.duration],
      ['--reason', opts.reason],
    ] as const) {
      if (value === undefined) throw new CliError(`${flag} is required (or use --list / --revert)`);
    }
    const limit = opts.limit!;
    const body = {
      rule_id: opts.rule,
      max_requests: limit.max_requests,
      window_seconds: limit.window_seconds ?? UNIT_SECONDS[limit.window_unit!],
      duration_seconds: opts.duration,
      reason: opts.reason,
    };
    const a = await call(() => rl<Adjustment>(client, 'POST', '/adjustments', body));
    print(
      opts.json
        ? `${JSON.stringify(a, null, 2)}\n`
        : `Adjusted rule ${a.rule_id} to ${a.max_requests} per ${a.window_seconds}s until ${a.expires_at} (${a.id}).\n`,
    );
  });
}
