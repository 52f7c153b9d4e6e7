import type { Command } from 'commander';
import { CliError, type CliIO } from './io.js';
import { intBetween } from './ratelimit-args.js';
import {
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

/** `notifyd plan create|assign|list|remove|delete`: plans and who has them. */
export function registerPlanCommands(program: Command, io: CliIO): void {
  const plan = program.command('plan').description('manage plans and plan assignments');
  const print = (s: string): void => {
    io.stdout.write(s);
  };

  remoteOptions(
    plan
      .command('create')
      .description('map a plan id to a policy, e.g. plan create pro --policy pro')
      .argument('<plan>', 'the plan id')
      .requiredOption('--policy <name-or-id>', "the plan's policy")
      .option('--description <text>', 'what the plan is')
      .option('--tenant <id>', 'the tenant it belongs to (default: the key’s)')
      .option('--global', 'a global plan (needs ratelimit:admin)'),
  ).action(async (id: string, opts: OwnerOptions & { policy: string; description?: string }) => {
    const body = {
      plan: id,
      policy_id: opts.policy,
      ...(opts.description ? { description: opts.description } : {}),
      ...ownerOf(opts),
    };
    const created = await call(() => rl(clientFor(io, opts), 'POST', '/plans', body));
    print(
      opts.json
        ? `${JSON.stringify(created, null, 2)}\n`
        : `Created plan ${created.plan} (${created.id}) → policy ${created.policy_id}.\n`,
    );
  });

  remoteOptions(
    subjectFlags(
      plan
        .command('assign')
        .description('give an API key, user or tenant a plan, e.g. plan assign pro --api-key key_…')
        .argument('<plan>', 'the plan id'),
    )
      .option('--tenant <id>', 'the tenant the assignment belongs to (default: the key’s)')
      .option('--global', 'a global assignment (needs ratelimit:admin)'),
  ).action(async (id: string, opts: SubjectOptions) => {
    const body = { plan: id, ...subjectOf(opts), ...ownerOf(opts) };
    const a = await call(() => rl(clientFor(io, opts), 'POST', '/plans/assignments', body));
    print(
      opts.json
        ? `${JSON.stringify(a, null, 2)}\n`
        : `Assigned plan ${a.plan} to ${a.subject_type} ${a.subject_id} (${a.id}).\n`,
    );
  });

  remoteOptions(
    plan
      .command('list')
      .description('list plans, or with --assignments who has which')
      .option('--assignments', 'list assignments instead of plans')
      .option('--plan <plan>', 'with --assignments: only of this plan')
      .option('--page <n>', 'which page', intBetween(1, 100_000))
      .option('--per-page <n>', 'how many per page', intBetween(1, 200)),
  ).action(
    async (
      opts: RemoteOptions & {
        assignments?: boolean;
        plan?: string;
        page?: number;
        perPage?: number;
      },
    ) => {
      const client = clientFor(io, opts);
      const paging = { page: opts.page, per_page: opts.perPage };
      if (opts.assignments) {
        const page = await call(() =>
          rl<ApiPage>(client, 'GET', `/plans/assignments${query({ ...paging, plan: opts.plan })}`),
        );
        if (opts.json) return print(`${JSON.stringify(page, null, 2)}\n`);
        const rows = page.data.map((a) => [a.id, owner(a), a.subject_type, a.subject_id, a.plan]);
        return print(
          formatTable(['ID', 'TENANT', 'SUBJECT', 'SUBJECT ID', 'PLAN'], rows) + pageNote(page),
        );
      }
      const page = await call(() => rl<ApiPage>(client, 'GET', `/plans${query(paging)}`));
      if (opts.json) return print(`${JSON.stringify(page, null, 2)}\n`);
      const rows = page.data.map((p) => [p.plan, p.id, owner(p), p.policy_id, p.description]);
      print(formatTable(['PLAN', 'ID', 'TENANT', 'POLICY', 'DESCRIPTION'], rows) + pageNote(page));
    },
  );

  remoteOptions(
    subjectFlags(
      plan
        .command('remove')
        .description(
          'take a plan away: by assignment id, or by subject (--api-key, --user, --for-tenant)',
        )
        .argument('[assignment-id]', 'the assignment (pla_…)'),
    ),
  ).action(async (id: string | undefined, opts: SubjectOptions) => {
    const client = clientFor(io, opts);
    let target = id;
    if (!target) {
      const s = subjectOf(opts);
      const page = await call(() =>
        rl<ApiPage>(client, 'GET', `/plans/assignments${query({ ...s, per_page: 1 })}`),
      );
      target = page.data[0]?.id;
      if (!target) throw new CliError(`${s.subject_type} ${s.subject_id} has no plan`);
    }
    await call(() => rl(client, 'DELETE', `/plans/assignments/${enc(target!)}`));
    print(
      opts.json
        ? `${JSON.stringify({ deleted: target })}\n`
        : `Removed plan assignment ${target}.\n`,
    );
  });

  remoteOptions(
    plan
      .command('delete')
      .description('delete a plan')
      .argument('<plan>', 'the plan id or pln_ id'),
  ).action(async (id: string, opts: RemoteOptions) => {
    await call(() => rl(clientFor(io, opts), 'DELETE', `/plans/${enc(id)}`));
    print(opts.json ? `${JSON.stringify({ deleted: id })}\n` : `Deleted plan ${id}.\n`);
  });
}
