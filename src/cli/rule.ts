import type { Static } from '@sinclair/typebox';
import { type Command, Option } from 'commander';
import { HTTP_METHODS, type RuleView, TARGET_TYPES } from '../ratelimit/schemas.js';
import type { CliIO } from './io.js';
import { enc, printer, registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import { collect, collectPair, intBetween, oneOf } from './ratelimit-args.js';
import { type RemoteOptions, remoteOptions } from './remote.js';

type Rule = Static<typeof RuleView>;

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
function matchText(r: Rule): string {
  const c = r.conditions;
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

/** A rule in one line: `Rule rlr_…: policy … for …, priority 0, enabled.` */
const sentence = (r: Rule, verb: string) =>
  `${verb} ${r.id}: policy ${r.policy_id} for ${matchText(r)}, priority ${r.priority}, ${r.enabled ? 'enabled' : 'disabled'}.\n`;

/** `notifyd rule create|list|enable|disable|delete`: rules binding policies to requests. */
export function registerRuleCommands(program: Command, io: CliIO): void {
  const out = printer(io);
  const say = (r: Rule, opts: RemoteOptions, verb: string) =>
    opts.json ? out.json(r) : out.text(sentence(r, verb));
  registerObjectCommands<Rule>(program, io, {
    group: 'rule',
    description: 'manage rate-limit rules',
    path: '/api/v1/ratelimit/rules',
    noun: 'rule',
    describe: (r) => sentence(r, 'Rule'),
    beforeList(group, api) {
      remoteOptions(
        ownerFlags(
          group
            .command('create')
            .description('apply a policy to matching requests, e.g. --policy free --target api_key')
            .requiredOption('--policy <name-or-id>', 'the policy to apply')
            .addOption(
              new Option('--target <type>', TARGET_TYPES.join(' | '))
                .argParser(oneOf(TARGET_TYPES))
                .makeOptionMandatory(),
            )
            .option(
              '--value <value>',
              'the id, address/CIDR, role or path glob (default * for any)',
            )
            .addOption(
              new Option('--method <method>', 'HTTP method (default *)').argParser(
                oneOf(HTTP_METHODS),
              ),
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
            .option('--disabled', 'create it switched off'),
          'a global rule, for every tenant (needs ratelimit:admin)',
        ),
      ).action(async (opts: RuleOptions) => {
        say(await api.call(opts, 'POST', '', ruleBody(opts)), opts, 'Created rule');
      });
    },
    list: {
      description: "list rules: the tenant's and the global ones",
      flags: (cmd) => cmd.option('--policy <name-or-id>', 'only rules applying this policy'),
      query: (opts) => ({ policy_id: opts.policy as string | undefined }),
      columns: [
        ['ID', (r) => r.id],
        ['TENANT', owner],
        ['POLICY', (r) => r.policy_id],
        ['MATCH', matchText],
        ['PRIORITY', (r) => String(r.priority)],
        ['STATUS', (r) => (r.enabled ? 'enabled' : 'disabled')],
      ],
    },
    more(group, api) {
      for (const action of ['enable', 'disable'] as const) {
        remoteOptions(
          group.command(action).description(`${action} a rule`).argument('<id>', 'the rule'),
        ).action(async (id: string, opts: RemoteOptions) => {
          const r = await api.call(opts, 'POST', `/${enc(id)}/${action}`);
          say(r, opts, action === 'enable' ? 'Enabled rule' : 'Disabled rule');
        });
      }
    },
    remove: { description: 'delete a rule', argument: ['<id>', 'the rule'] },
  });
}

/** The create body for the flags given. */
function ruleBody(opts: RuleOptions): Record<string, unknown> {
  const conditions = {
    ...(opts.plan ? { plans: opts.plan } : {}),
    ...(opts.role ? { roles: opts.role } : {}),
    ...(opts.header ? { headers: opts.header } : {}),
    ...(opts.ipRange ? { ip_ranges: opts.ipRange } : {}),
    ...(opts.userAgent ? { user_agent: opts.userAgent } : {}),
  };
  return {
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
}
