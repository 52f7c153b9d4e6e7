import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { PageBody } from '../http/admin-routes.js';
import type { AssignmentView, PlanView } from '../ratelimit/schemas.js';
import { CliError, type CliIO } from './io.js';
import { enc, printer, printPage, query, registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';

type Plan = Static<typeof PlanView>;
type Assignment = Static<typeof AssignmentView>;

interface SubjectOptions extends OwnerOptions {
  apiKey?: string;
  user?: string;
  forTenant?: string;
}

/** The one subject named by --api-key, --user or --for-tenant. */
function subjectOf(opts: SubjectOptions): { subject_type: string; subject_id: string } {
  const given = [
    opts.apiKey !== undefined ? { subject_type: 'api_key', subject_id: opts.apiKey } : null,
    opts.user !== undefined ? { subject_type: 'user', subject_id: opts.user } : null,
    opts.forTenant !== undefined ? { subject_type: 'tenant', subject_id: opts.forTenant } : null,
  ].filter((s) => s !== null);
  if (given.length !== 1) throw new CliError('name one subject: --api-key, --user or --for-tenant');
  return given[0]!;
}

const subjectFlags = (cmd: Command) =>
  cmd
    .option('--api-key <key-id>', 'an API key (its id, key_…)')
    .option('--user <id>', 'a user')
    .option('--for-tenant <id>', 'a whole tenant');

const ASSIGNMENTS = '/api/v1/ratelimit/plans/assignments';

/** `notifyd plan create|assign|list|remove|delete`: plans and who has them. */
export function registerPlanCommands(program: Command, io: CliIO): void {
  const out = printer(io);
  const assignments = <T>(opts: RemoteOptions, method: string, suffix: string, body?: unknown) =>
    call(() => clientFor(io, opts).request<T>(method, `${ASSIGNMENTS}${suffix}`, body));
  registerObjectCommands<Plan>(program, io, {
    group: 'plan',
    description: 'manage plans and plan assignments',
    path: '/api/v1/ratelimit/plans',
    noun: 'plan',
    describe: (p) => `Created plan ${p.plan} (${p.id}) → policy ${p.policy_id}.\n`,
    create: {
      description: 'map a plan id to a policy, e.g. plan create pro --policy pro',
      argument: ['<plan>', 'the plan id'],
      flags: (cmd) =>
        ownerFlags(
          cmd
            .requiredOption('--policy <name-or-id>', "the plan's policy")
            .option('--description <text>', 'what the plan is'),
          'a global plan (needs ratelimit:admin)',
        ),
      body: (opts: OwnerOptions & { policy: string; description?: string }, id: string) => ({
        plan: id,
        policy_id: opts.policy,
        ...(opts.description ? { description: opts.description } : {}),
        ...ownerOf(opts),
      }),
    },
    beforeList(group) {
      remoteOptions(
        ownerFlags(
          subjectFlags(
            group
              .command('assign')
              .description(
                'give an API key, user or tenant a plan, e.g. plan assign pro --api-key key_…',
              )
              .argument('<plan>', 'the plan id'),
          ),
          'a global assignment (needs ratelimit:admin)',
        ),
      ).action(async (id: string, opts: SubjectOptions) => {
        const body = { plan: id, ...subjectOf(opts), ...ownerOf(opts) };
        const a = await assignments<Assignment>(opts, 'POST', '', body);
        if (opts.json) return out.json(a);
        out.text(`Assigned plan ${a.plan} to ${a.subject_type} ${a.subject_id} (${a.id}).\n`);
      });
    },
    list: {
      description: 'list plans, or with --assignments who has which',
      flags: (cmd) =>
        cmd
          .option('--assignments', 'list assignments instead of plans')
          .option('--plan <plan>', 'with --assignments: only of this plan'),
      columns: [
        ['PLAN', (p) => p.plan],
        ['ID', (p) => p.id],
        ['TENANT', owner],
        ['POLICY', (p) => p.policy_id],
        ['DESCRIPTION', (p) => p.description],
      ],
      instead: async (opts) => {
        if (!opts.assignments) return false;
        const q = query({ page: opts.page, per_page: opts.perPage, plan: opts.plan as string });
        const page = await assignments<PageBody<Assignment>>(opts, 'GET', q);
        printPage(
          out,
          page,
          [
            ['ID', (a) => a.id],
            ['TENANT', owner],
            ['SUBJECT', (a) => a.subject_type],
            ['SUBJECT ID', (a) => a.subject_id],
            ['PLAN', (a) => a.plan],
          ],
          opts,
        );
        return true;
      },
    },
    more(group) {
      remoteOptions(
        subjectFlags(
          group
            .command('remove')
            .description(
              'take a plan away: by assignment id, or by subject (--api-key, --user, --for-tenant)',
            )
            .argument('[assignment-id]', 'the assignment (pla_…)'),
        ),
      ).action(async (id: string | undefined, opts: SubjectOptions) => {
        let target = id;
        if (!target) {
          const s = subjectOf(opts);
          const page = await assignments<PageBody<Assignment>>(
            opts,
            'GET',
            query({ ...s, per_page: 1 }),
          );
          target = page.data[0]?.id;
          if (!target) throw new CliError(`${s.subject_type} ${s.subject_id} has no plan`);
        }
        await assignments(opts, 'DELETE', `/${enc(target)}`);
        if (opts.json) out.text(`${JSON.stringify({ deleted: target })}\n`);
        else out.text(`Removed plan assignment ${target}.\n`);
      });
    },
    remove: { description: 'delete a plan', argument: ['<plan>', 'the plan id or pln_ id'] },
  });
}
