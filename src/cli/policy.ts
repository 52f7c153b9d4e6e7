import type { Static } from '@sinclair/typebox';
import { type Command, Option } from 'commander';
import type { PolicyView } from '../ratelimit/schemas.js';
import { ALGORITHMS, LIMIT_SCOPES } from '../ratelimit/spec.js';
import { CliError, type CliIO } from './io.js';
import { enc, registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import {
  intBetween,
  listOf,
  oneOf,
  type ParsedLimit,
  parseDuration,
  parseLimit,
  positiveNumber,
} from './ratelimit-args.js';
import { limitText } from './ratelimit-client.js';
import { remoteOptions } from './remote.js';

type Policy = Static<typeof PolicyView>;

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
function policyBody(opts: PolicyOptions, current?: Policy): Record<string, unknown> {
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
    body.limits = current.limits.map((l) => ({
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
  // A burst or mode detail alone changes the policy's burst or mode as it is (on update); on
  // create, or when the policy has none, it needs --burst / --mode, instead of being dropped.
  const burstBase = opts.burst ?? current?.burst?.max_burst;
  if (opts.burst !== undefined || opts.burstWindow !== undefined || opts.cooldown !== undefined) {
    if (burstBase === undefined) {
      throw new CliError(
        '--burst-window and --cooldown need --burst <n> (the policy has no burst)',
      );
    }
    body.burst = {
      ...(current?.burst ?? {}),
      max_burst: burstBase,
      ...(opts.burstWindow !== undefined ? { burst_window_seconds: opts.burstWindow } : {}),
      ...(opts.cooldown !== undefined ? { cooldown_seconds: opts.cooldown } : {}),
    };
  }
  const modeBase = opts.mode ?? current?.throttle.mode;
  if (
    opts.mode !== undefined ||
    opts.maxDelay !== undefined ||
    opts.penaltyLimit !== undefined ||
    opts.penaltyDuration !== undefined
  ) {
    if (modeBase === undefined) {
      throw new CliError(
        '--max-delay, --penalty-limit and --penalty-duration need --mode throttle|penalty_box',
      );
    }
    body.throttle = {
      ...(current && current.throttle.mode === modeBase ? current.throttle : {}),
      mode: modeBase,
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

/**
 * The limits `policy create` sends. A token bucket may be given as its size and refill rate
 * instead of `--limit`: the API still takes one limit, for what the bucket counts per (scope,
 * `--per`) and for the window the headers show, so it is the bucket as a limit (its size per
 * the seconds an empty one takes to refill), which the bucket's own numbers then override.
 */
function createLimits(opts: PolicyOptions): ParsedLimit[] {
  const bucketFlags =
    opts.refillRate !== undefined ||
    opts.bucketSize !== undefined ||
    opts.initialTokens !== undefined;
  if (bucketFlags && opts.algorithm !== 'token_bucket') {
    throw new CliError(
      '--refill-rate, --bucket-size and --initial-tokens are for --algorithm token_bucket',
    );
  }
  if (opts.limit) return opts.limit;
  if (opts.algorithm !== 'token_bucket') {
    throw new CliError('--limit is required, e.g. --limit 100/minute');
  }
  if (opts.bucketSize === undefined || opts.refillRate === undefined) {
    throw new CliError(
      'a token bucket needs --bucket-size <n> and --refill-rate <per-second> (or --limit, e.g. 100/minute: a bucket of 100 refilled over a minute)',
    );
  }
  return [
    {
      max_requests: opts.bucketSize,
      window_seconds: Math.min(
        31_536_000,
        Math.max(1, Math.ceil(opts.bucketSize / opts.refillRate)),
      ),
    },
  ];
}

/** A burst allowance as flags would give it: its size, the window it counts over, its cooldown. */
function burstText(b: NonNullable<Policy['burst']>): string {
  const over = b.burst_window_seconds
    ? `per ${b.burst_window_seconds}s`
    : "per each limit's window";
  return `${b.max_burst} ${over}${b.cooldown_seconds ? `, cooldown ${b.cooldown_seconds}s` : ''}`;
}

/** A policy in a few lines, for people. */
export function describePolicy(p: Policy): string {
  const t = p.throttle;
  const lines = [
    `${p.name} (${p.id}, ${owner(p)}, version ${p.version})${p.is_active ? '' : ' — inactive'}`,
    p.description ? `  ${p.description}` : '',
    ...p.limits.map((l) => `  limit      ${limitText(l)}`),
    `  algorithm  ${p.algorithm}${p.token_bucket ? ` (refill ${p.token_bucket.refill_rate}/s, bucket ${p.token_bucket.bucket_size})` : ''}`,
    p.burst ? `  burst      ${burstText(p.burst)}` : '',
    `  mode       ${t.mode}${t.max_delay_ms ? ` (max delay ${t.max_delay_ms} ms)` : ''}${t.mode === 'penalty_box' ? ` (${t.penalty_max_requests} per window for ${t.penalty_duration_seconds}s)` : ''}`,
    `  priority   ${p.priority}`,
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

/** `notifyd policy create|list|get|update|delete`: rate-limit policies, through the API. */
export function registerPolicyCommands(program: Command, io: CliIO): void {
  registerObjectCommands<Policy>(program, io, {
    group: 'policy',
    description: 'manage rate-limit policies',
    path: '/api/v1/ratelimit/policies',
    noun: 'policy',
    describe: describePolicy,
    create: {
      description:
        'create a policy, e.g. --name free --limit 100/minute --scope api_key; a token bucket takes --algorithm token_bucket --bucket-size 20 --refill-rate 5 instead of --limit',
      flags: (cmd) =>
        ownerFlags(
          policyFlags(
            cmd.requiredOption('--name <name>', 'its name: letters, digits, _ . -'),
          ).option('--inactive', 'create it switched off'),
          'a global policy, for every tenant (needs ratelimit:admin)',
        ),
      body(opts: PolicyOptions & { inactive?: boolean }) {
        return {
          ...policyBody({ ...opts, limit: createLimits(opts) }),
          ...ownerOf(opts),
          ...(opts.inactive ? { is_active: false } : {}),
        };
      },
    },
    list: {
      description: "list policies: the tenant's and the global ones",
      columns: [
        ['NAME', (p) => p.name],
        ['ID', (p) => p.id],
        ['TENANT', owner],
        ['LIMITS', (p) => p.limits.map(limitText).join('; ')],
        ['ALGORITHM', (p) => p.algorithm],
        ['MODE', (p) => p.throttle.mode],
        ['PRIORITY', (p) => String(p.priority)],
        ['STATUS', (p) => (p.is_active ? 'active' : 'inactive')],
      ],
    },
    get: { description: 'show a policy', argument: ['<name-or-id>', 'the policy'] },
    update(group, api) {
      remoteOptions(
        policyFlags(
          group
            .command('update')
            .description('change a policy (only the flags given)')
            .argument('<name-or-id>', 'the policy'),
        )
          .option('--rename <name>', 'a new name')
          .option('--active', 'switch it on')
          .option('--inactive', 'switch it off'),
      ).action(
        async (name: string, opts: PolicyOptions & { rename?: string; inactive?: boolean }) => {
          const current = await api.call(opts, 'GET', `/${enc(name)}`);
          const body = policyBody(
            { ...opts, ...(opts.rename ? { name: opts.rename } : {}) },
            current,
          );
          if (opts.inactive) body.is_active = false;
          if (Object.keys(body).length === 0) {
            throw new CliError('nothing to change: give at least one flag');
          }
          api.show(await api.call(opts, 'PATCH', `/${enc(current.id)}`, body), opts);
        },
      );
    },
    remove: {
      description: 'delete a policy no rule or plan uses',
      argument: ['<name-or-id>', 'the policy'],
    },
  });
}
