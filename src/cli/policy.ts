import { type Command, Option } from 'commander';
import { ALGORITHMS, LIMIT_SCOPES } from '../ratelimit/spec.js';
import { CliError, type CliIO } from './io.js';
import {
  intBetween,
  listOf,
  oneOf,
  type ParsedLimit,
  parseDuration,
  parseLimit,
  positiveNumber,
} from './ratelimit-args.js';
import {
  type ApiObject,
  type ApiPage,
  enc,
  limitText,
  type OwnerOptions,
  owner,
  ownerOf,
  pageNote,
  query,
  rl,
} from './ratelimit-client.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

interface PolicyOptions extends OwnerOptions {
  name?: string;
  description?: string;
  limit?: ParsedLimit[];
  scope?: string;
  per?: string[];
  costBased?: boolean;
  algorithm?: string;
  refillRate?: number;
  bucketSize?: number;
  initialTokens?: number;
  burst?: number;
  burstWindow?: number;
  cooldown?: number;
  mode?: string;
  maxDelay?: number;
  penaltyLimit?: number;
  penaltyDuration?: number;
  priority?: number;
  active?: boolean;
}

const collectLimit = (value: string, previous: ParsedLimit[] = []) => [
  ...previous,
  parseLimit(value),
];

/** The flags `policy create` and `policy update` share. */
function policyFlags(cmd: Command): Command {
  return cmd
    .option('--description <text>', 'what the policy is for')
    .option(
      '--limit <count/window>',
      'a limit, e.g. 100/minute, 10/s, 500/30s; repeat for several',
      collectLimit,
    )
    .addOption(
      new Option('--scope <scope>', 'what each limit counts per').argParser(oneOf(LIMIT_SCOPES)),
    )
    .option(
      '--per <dims>',
      `count per these together, e.g. ip,endpoint (${LIMIT_SCOPES.join(', ')})`,
      listOf(LIMIT_SCOPES),
    )
    .option('--cost-based', 'count endpoint cost units instead of requests')
    .addOption(
      new Option('--algorithm <name>', ALGORITHMS.join(' | ')).argParser(oneOf(ALGORITHMS)),
    )
    .option('--refill-rate <per-second>', 'token bucket: tokens added per second', positiveNumber)
    .option('--bucket-size <n>', 'token bucket: most tokens held', intBetween(1, 1_000_000_000))
    .option(
      '--initial-tokens <n>',
      'token bucket: tokens a new bucket starts with',
      intBetween(0, 1_000_000_000),
    )
    .option('--burst <n>', 'allow up to n units beyond the limit', intBetween(1, 1_000_000_000))
    .option(
      '--burst-window <duration>',
      'over which the burst is counted (default the window)',
      parseDuration,
    )
    .option('--cooldown <duration>', 'after a used-up burst, none for this long', parseDuration)
    .addOption(
      new Option('--mode <mode>', 'past the limit: reject | throttle | penalty_box').argParser(
        oneOf(['reject', 'throttle', 'penalty_box'] as const),
      ),
    )
    .option('--max-delay <ms>', 'throttle mode: longest delay', intBetween(1, 60_000))
    .option(
      '--penalty-limit <count>',
      'penalty_box mode: the lower limit per window',
      intBetween(0, 1_000_000_000),
    )
    .option('--penalty-duration <duration>', 'penalty_box mode: for how long', parseDuration)
    .option('--priority <n>', 'higher first in answers and headers', intBetween(-1000, 1000));
}

/** The request body for the flags given (create fills defaults on the server). */
function policyBody(opts: PolicyOptions, current?: ApiObject): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.description !== undefined) body.description = opts.description;
  const scope = opts.scope ?? current?.limits?.[0]?.scope ?? 'api_key';
  if (opts.limit) {
    body.limits = opts.limit.map((l) => ({
      scope,
      ...l,
      ...(opts.per ? { key: opts.per } : {}),
      ...(opts.costBased ? { cost_based: true } : {}),
    }));
  } else if (current && (opts.scope || opts.per || opts.costBased)) {
    body.limits = current.limits.map((l: ApiObject) => ({
      ...l,
      scope,
      ...(opts.per ? { key: opts.per } : {}),
      ...(opts.costBased ? { cost_based: true } : {}),
    }));
  }
  if (opts.algorithm) body.algorithm = opts.algorithm;
  if (
    opts.refillRate !== undefined ||
    opts.bucketSize !== undefined ||
    opts.initialTokens !== undefined
  ) {
    const first = opts.limit?.[0];
    body.token_bucket = {
      refill_rate:
        opts.refillRate ?? (first ? first.max_requests / (first.window_seconds ?? 60) : 1),
      bucket_size: opts.bucketSize ?? first?.max_requests ?? 1,
      ...(opts.initialTokens !== undefined ? { initial_tokens: opts.initialTokens } : {}),
    };
  }
  if (opts.burst !== undefined) {
    body.burst = {
      max_burst: opts.burst,
      ...(opts.burstWindow !== undefined ? { burst_window_seconds: opts.burstWindow } : {}),
      ...(opts.cooldown !== undefined ? { cooldown_seconds: opts.cooldown } : {}),
    };
  }
  if (opts.mode) {
    body.throttle = {
      mode: opts.mode,
      ...(opts.maxDelay !== undefined ? { max_delay_ms: opts.maxDelay } : {}),
      ...(opts.penaltyLimit !== undefined ? { penalty_max_requests: opts.penaltyLimit } : {}),
      ...(opts.penaltyDuration !== undefined
        ? { penalty_duration_seconds: opts.penaltyDuration }
        : {}),
    };
  }
  if (opts.priority !== undefined) body.priority = opts.priority;
  if (opts.active !== undefined) body.is_active = opts.active;
  return body;
}

/** A policy in a few lines, for people. */
export function describePolicy(p: ApiObject): string {
  const t = p.throttle ?? {};
  const lines = [
    `${p.name} (${p.id}, ${owner(p)}, version ${p.version})${p.is_active ? '' : ' — inactive'}`,
    p.description ? `  ${p.description}` : '',
    ...p.limits.map((l: ApiObject) => `  limit      ${limitText(l)}`),
    `  algorithm  ${p.algorithm}${p.token_bucket ? ` (refill ${p.token_bucket.refill_rate}/s, bucket ${p.token_bucket.bucket_size})` : ''}`,
    p.burst
      ? `  burst      ${p.burst.max_burst}${p.burst.cooldown_seconds ? `, cooldown ${p.burst.cooldown_seconds}s` : ''}`
      : '',
    `  mode       ${t.mode}${t.max_delay_ms ? ` (max delay ${t.max_delay_ms} ms)` : ''}${t.mode === 'penalty_box' ? ` (${t.penalty_max_requests} per window for ${t.penalty_duration_seconds}s)` : ''}`,
    `  priority   ${p.priority}`,
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

/** `notifyd policy create|list|get|update|delete`: rate-limit policies, through the API. */
export function registerPolicyCommands(program: Command, io: CliIO): void {
  const policy = program.command('policy').description('manage rate-limit policies');
  const print = (s: string): void => {
    io.stdout.write(s);
  };
  const show = (p: ApiObject, json?: boolean) =>
    print(json ? `${JSON.stringify(p, null, 2)}\n` : describePolicy(p));

  remoteOptions(
    policyFlags(
      policy
        .command('create')
        .description('create a policy, e.g. --name free --limit 100/minute --scope api_key')
        .requiredOption('--name <name>', 'its name: letters, digits, _ . -'),
    )
      .option('--inactive', 'create it switched off')
      .option('--tenant <id>', 'the tenant it belongs to (default: the key’s)')
      .option('--global', 'a global policy, for every tenant (needs ratelimit:admin)'),
  ).action(async (opts: PolicyOptions & { inactive?: boolean }) => {
    if (!opts.limit) throw new CliError('--limit is required, e.g. --limit 100/minute');
    const body = {
      ...policyBody(opts),
      ...ownerOf(opts),
      ...(opts.inactive ? { is_active: false } : {}),
    };
    const created = await call(() => rl(clientFor(io, opts), 'POST', '/policies', body));
    show(created, opts.json);
  });

  remoteOptions(
    policy
      .command('list')
      .description("list policies: the tenant's and the global ones")
      .option('--page <n>', 'which page', intBetween(1, 100_000))
      .option('--per-page <n>', 'how many per page', intBetween(1, 200)),
  ).action(async (opts: RemoteOptions & { page?: number; perPage?: number }) => {
    const page = await call(() =>
      rl<ApiPage>(
        clientFor(io, opts),
        'GET',
        `/policies${query({ page: opts.page, per_page: opts.perPage })}`,
      ),
    );
    if (opts.json) return print(`${JSON.stringify(page, null, 2)}\n`);
    const rows = page.data.map((p) => [
      p.name,
      p.id,
      owner(p),
      p.limits.map(limitText).join('; '),
      p.algorithm,
      p.throttle.mode,
      String(p.priority),
      p.is_active ? 'active' : 'inactive',
    ]);
    print(
      formatTable(
        ['NAME', 'ID', 'TENANT', 'LIMITS', 'ALGORITHM', 'MODE', 'PRIORITY', 'STATUS'],
        rows,
      ) + pageNote(page),
    );
  });

  remoteOptions(
    policy.command('get').description('show a policy').argument('<name-or-id>', 'the policy'),
  ).action(async (name: string, opts: RemoteOptions) => {
    show(await call(() => rl(clientFor(io, opts), 'GET', `/policies/${enc(name)}`)), opts.json);
  });

  remoteOptions(
    policyFlags(
      policy
        .command('update')
        .description('change a policy (only the flags given)')
        .argument('<name-or-id>', 'the policy'),
    )
      .option('--rename <name>', 'a new name')
      .option('--active', 'switch it on')
      .option('--inactive', 'switch it off'),
  ).action(async (name: string, opts: PolicyOptions & { rename?: string; inactive?: boolean }) => {
    const client = clientFor(io, opts);
    const current = await call(() => rl(client, 'GET', `/policies/${enc(name)}`));
    const body = policyBody({ ...opts, ...(opts.rename ? { name: opts.rename } : {}) }, current);
    if (opts.inactive) body.is_active = false;
    if (Object.keys(body).length === 0) {
      throw new CliError('nothing to change: give at least one flag');
    }
    show(await call(() => rl(client, 'PATCH', `/policies/${enc(current.id)}`, body)), opts.json);
  });

  remoteOptions(
    policy
      .command('delete')
      .description('delete a policy no rule or plan uses')
      .argument('<name-or-id>', 'the policy'),
  ).action(async (name: string, opts: RemoteOptions) => {
    await call(() => rl(clientFor(io, opts), 'DELETE', `/policies/${enc(name)}`));
    print(opts.json ? `${JSON.stringify({ deleted: name })}\n` : `Deleted policy ${name}.\n`);
  });
}
