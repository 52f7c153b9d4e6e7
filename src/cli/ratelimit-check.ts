import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { StatusView } from '../ratelimit/routes/check.js';
import { LIMIT_SCOPES, type LimitScope } from '../ratelimit/spec.js';
import { CliError, type CliIO } from './io.js';
import { enc } from './object-commands.js';
import { ratelimitCommand } from './ratelimit.js';
import { rl } from './ratelimit-client.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

type Status = Static<typeof StatusView>;

interface CheckOptions extends RemoteOptions {
  scope?: string;
  id?: string;
  policy?: string;
  cost?: string;
  dryRun?: boolean;
  method?: string;
  path?: string;
  ip?: string;
}

function scopeOf(value: string | undefined, flag: string): LimitScope {
  if (value === undefined) throw new CliError(`${flag} is required`);
  if (!(LIMIT_SCOPES as readonly string[]).includes(value)) {
    throw new CliError(`${flag} must be one of ${LIMIT_SCOPES.join(', ')} (got "${value}")`);
  }
  return value as LimitScope;
}

/**
 * The line over the table. `check` decided one request: was it allowed, and is the subject
 * limited now (that request may have used the last unit). `status` decided nothing: it says
 * whether the subject is limited now, as the LIMITED column does.
 */
function heading(status: Status, kind: 'check' | 'status'): string {
  if (status.bypass) return 'Exempt (bypass rule): nothing is counted.';
  if (status.limits.length === 0)
    return `${kind === 'check' ? 'Allowed' : 'Not limited'}: no limit applies.`;
  const limitedNow = status.limits.some((l) => l.is_limited);
  if (kind === 'status') {
    return limitedNow
      ? 'Limited: the next request would be refused.'
      : 'Not limited: the next request would be allowed.';
  }
  if (!status.allowed) return 'Limited: this request was refused.';
  return status.limits.some((l) => l.remaining === 0)
    ? 'Allowed, and now limited: it used the last unit.'
    : 'Allowed';
}

/** One line per limit, the deciding one first. */
function table(status: Status, kind: 'check' | 'status'): string {
  const { limits } = status;
  const rows = limits.map((l) => [
    l.policy,
    l.scope,
    l.algorithm,
    `${l.used}/${l.limit}`,
    String(l.remaining),
    l.reset_at,
    l.is_limited ? `yes (retry in ${l.retry_after_seconds}s)` : 'no',
  ]);
  const head = `${heading(status, kind)}\n`;
  return rows.length === 0
    ? head
    : head +
        formatTable(['POLICY', 'SCOPE', 'ALGORITHM', 'USED', 'LEFT', 'RESETS', 'LIMITED'], rows);
}

/**
 * `notifyd ratelimit check --scope api_key --id key_1 [--policy free] [--cost 5] [--dry-run]`
 * decides one request (counting it unless --dry-run); `notifyd ratelimit status <scope> <id>`
 * shows where a subject stands without counting. Exit status 0 either way: the answer says.
 */
export function registerRateLimitCheck(program: Command, io: CliIO): void {
  const print = (s: string): void => {
    io.stdout.write(s);
  };
  const group = ratelimitCommand(program);
  remoteOptions(
    group
      .command('check')
      .description('decide one request as the check API does (counts it unless --dry-run)')
      .option('--scope <scope>', `what the subject is: ${LIMIT_SCOPES.join(', ')}`)
      .option('--id <identifier>', 'the subject, e.g. a key id, user id or address')
      .option('--policy <name-or-id>', 'decide against this policy only (else: the rules)')
      .option('--cost <units>', 'units this request counts')
      .option('--dry-run', 'decide without counting')
      .option('--method <method>', 'the request method, for rules that match on it')
      .option('--path <path>', 'the request path, for rules that match on it')
      .option('--ip <address>', 'the client address, for rules that match on it'),
  ).action(async (opts: CheckOptions) => {
    const scope = scopeOf(opts.scope, '--scope');
    if (!opts.id) throw new CliError('--id is required');
    let cost: number | undefined;
    if (opts.cost !== undefined) {
      cost = Number(opts.cost);
      if (!Number.isInteger(cost) || cost < 0) {
        throw new CliError(
          `--cost must be a whole number of units, 0 or more (got "${opts.cost}")`,
        );
      }
    }
    const request = {
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.path ? { path: opts.path } : {}),
      ...(opts.ip ? { ip: opts.ip } : {}),
    };
    const body = {
      scope,
      identifier: opts.id,
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(cost !== undefined ? { cost } : {}),
      ...(opts.dryRun ? { dry_run: true } : {}),
      ...(Object.keys(request).length > 0 ? { request } : {}),
    };
    const status = await call(() => rl<Status>(clientFor(io, opts), 'POST', '/check', body));
    print(opts.json ? `${JSON.stringify(status, null, 2)}\n` : table(status, 'check'));
  });
  remoteOptions(
    group
      .command('status <scope> <identifier>')
      .description('where a subject stands now; counts nothing')
      .option('--policy <name-or-id>', 'against this policy only (else: the rules)'),
  ).action(async (scopeArg: string, identifier: string, opts: CheckOptions) => {
    const scope = scopeOf(scopeArg, '<scope>');
    const q = opts.policy ? `?policy=${enc(opts.policy)}` : '';
    const path = `/status/${enc(scope)}/${enc(identifier)}${q}`;
    const status = await call(() => rl<Status>(clientFor(io, opts), 'GET', path));
    print(opts.json ? `${JSON.stringify(status, null, 2)}\n` : table(status, 'status'));
  });
}
