import { type Command, Option } from 'commander';
import { HTTP_METHODS, TARGET_TYPES } from '../ratelimit/schemas.js';
import type { CliIO } from './io.js';
import { collect, collectPair, intBetween, oneOf } from './ratelimit-args.js';
import {
  type ApiObject,
  type ApiPage,
  enc,
  type OwnerOptions,
  owner,
  ownerOf,
  pageNote,
  query,
  rl,
} from './ratelimit-client.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

interface RuleOptions extends OwnerOptions {
  policy: string;
  target: string;
  value?: string;
  method?: string;
  path?: string;
  plan?: string[];
  role?: string[];
  header?: Record<string, string>;
  ipRange?: string[];
  userAgent?: string;
  priority?: number;
  description?: string;
  disabled?: boolean;
}

/** What a rule matches, in one line. */
function matchText(r: ApiObject): string {
  const c = r.conditions ?? {};
  const parts = [
    `${r.target.type}=${r.target.value}`,
    `${r.method} ${r.path}`,
    c.plans ? `plan ${c.plans.join('|')}` : '',
    c.roles ? `role ${c.roles.join('|')}` : '',
    c.headers
      ? Object.entries(c.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')
      : '',
    c.ip_ranges ? `from ${c.ip_ranges.join(' ')}` : '',
    c.user_agent ? `ua ${c.user_agent}` : '',
  ];
  return parts.filter(Boolean).join('; ');
}

/** `notifyd rule create|list|enable|disable|delete`: rules binding policies to requests. */
export function registerRuleCommands(program: Command, io: CliIO): void {
  const rule = program.command('rule').description('manage rate-limit rules');
  const print = (s: string): void => {
    io.stdout.write(s);
  };
  const show = (r: ApiObject, json?: boolean, verb = 'Rule') =>
    print(
      json
        ? `${JSON.stringify(r, null, 2)}\n`
        : `${verb} ${r.id}: policy ${r.policy_id} for ${matchText(r)}, priority ${r.priority}, ${r.enabled ? 'enabled' : 'disabled'}.\n`,
    );

  remoteOptions(
    rule
      .command('create')
      .description('apply a policy to matching requests, e.g. --policy free --target api_key')
      .requiredOption('--policy <name-or-id>', 'the policy to apply')
      .addOption(
        new Option('--target <type>', TARGET_TYPES.join(' | '))
          .argParser(oneOf(TARGET_TYPES))
          .makeOptionMandatory(),
      )
      .option('--value <value>', 'the id, address/CIDR, role or path glob (default * for any)')
      .addOption(
        new Option('--method <method>', 'HTTP method (default *)').argParser(oneOf(HTTP_METHODS)),
      )
      .option('--path <glob>', 'path glob: * within a segment, ** across (default any)')
      .option('--plan <plan>', 'only for this plan; repeat for several', collect)
      .option('--role <role>', 'only for this role; repeat for several', collect)
      .option(
        '--header <name=value>',
        'only with this header (value * for any); repeat',
        collectPair,
      )
      .option('--ip-range <cidr>', 'only from this range; repeat for several', collect)
      .option('--user-agent <glob>', 'only for matching user agents, e.g. "*bot*"')
      .option('--priority <n>', 'higher wins within a target type', intBetween(-1000, 1000))
      .option('--description <text>', 'what the rule is for')
      .option('--disabled', 'create it switched off')
      .option('--tenant <id>', 'the tenant it belongs to (default: the key’s)')
      .option('--global', 'a global rule, for every tenant (needs ratelimit:admin)'),
  ).action(async (opts: RuleOptions) => {
    const conditions = {
      ...(opts.plan ? { plans: opts.plan } : {}),
      ...(opts.role ? { roles: opts.role } : {}),
      ...(opts.header ? { headers: opts.header } : {}),
      ...(opts.ipRange ? { ip_ranges: opts.ipRange } : {}),
      ...(opts.userAgent ? { user_agent: opts.userAgent } : {}),
    };
    const body = {
      policy_id: opts.policy,
      target: { type: opts.target, ...(opts.value ? { value: opts.value } : {}) },
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.path ? { path: opts.path } : {}),
      ...(Object.keys(conditions).length ? { conditions } : {}),
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      ...(opts.description ? { description: opts.description } : {}),
      ...(opts.disabled ? { enabled: false } : {}),
      ...ownerOf(opts),
    };
    show(
      await call(() => rl(clientFor(io, opts), 'POST', '/rules', body)),
      opts.json,
      'Created rule',
    );
  });

  remoteOptions(
    rule
      .command('list')
      .description("list rules: the tenant's and the global ones")
      .option('--policy <id>', 'only rules applying this policy (id)')
      .option('--page <n>', 'which page', intBetween(1, 100_000))
      .option('--per-page <n>', 'how many per page', intBetween(1, 200)),
  ).action(async (opts: RemoteOptions & { policy?: string; page?: number; perPage?: number }) => {
    const q = query({ policy_id: opts.policy, page: opts.page, per_page: opts.perPage });
    const page = await call(() => rl<ApiPage>(clientFor(io, opts), 'GET', `/rules${q}`));
    if (opts.json) return print(`${JSON.stringify(page, null, 2)}\n`);
    const rows = page.data.map((r) => [
      r.id,
      owner(r),
      r.policy_id,
      matchText(r),
      String(r.priority),
      r.enabled ? 'enabled' : 'disabled',
    ]);
    print(
      formatTable(['ID', 'TENANT', 'POLICY', 'MATCH', 'PRIORITY', 'STATUS'], rows) + pageNote(page),
    );
  });

  for (const action of ['enable', 'disable'] as const) {
    remoteOptions(
      rule.command(action).description(`${action} a rule`).argument('<id>', 'the rule'),
    ).action(async (id: string, opts: RemoteOptions) => {
      const r = await call(() => rl(clientFor(io, opts), 'POST', `/rules/${enc(id)}/${action}`));
      show(r, opts.json, action === 'enable' ? 'Enabled rule' : 'Disabled rule');
    });
  }

  remoteOptions(
    rule.command('delete').description('delete a rule').argument('<id>', 'the rule'),
  ).action(async (id: string, opts: RemoteOptions) => {
    await call(() => rl(clientFor(io, opts), 'DELETE', `/rules/${enc(id)}`));
    print(opts.json ? `${JSON.stringify({ deleted: id })}\n` : `Deleted rule ${id}.\n`);
  });
}
