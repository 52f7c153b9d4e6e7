import { type Command, InvalidArgumentError, Option } from 'commander';
import { SCOPES, type Scope } from '../auth/scopes.js';
import type { CliIO } from './io.js';
import { collect } from './ratelimit-args.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

interface CreateOptions extends RemoteOptions {
  name: string;
  scope: Scope[];
  tenant?: string;
  allowIp?: string[];
  expires?: string;
}

const collectScope = (value: string, previous: Scope[] = []): Scope[] => {
  const scope = SCOPES.find((s) => s === value);
  if (!scope) throw new InvalidArgumentError(`Allowed scopes are ${SCOPES.join(', ')}.`);
  return [...previous, scope];
};

/** `notifyd keys create|list|revoke`: API keys, through the server's API. */
export function registerKeyCommands(program: Command, io: CliIO): void {
  const keys = program.command('keys').description('manage API keys');
  const print = (s: string): void => {
    io.stdout.write(s);
  };

  remoteOptions(
    keys
      .command('create')
      .description('create an API key; the key is printed once, store it now')
      .requiredOption('--name <name>', 'what the key is for')
      .addOption(
        new Option('--scope <scope>', `a scope, repeat for several: ${SCOPES.join(', ')}`)
          .argParser(collectScope)
          .makeOptionMandatory(),
      )
      .option('--tenant <id>', 'the tenant the key acts for')
      .option('--allow-ip <cidr>', 'only from this address range; repeat for several', collect)
      .option('--expires <iso-time>', 'when the key stops working'),
  ).action(async (opts: CreateOptions) => {
    const client = clientFor(io, opts);
    const created = await call(() =>
      client.createKey({
        name: opts.name,
        scopes: opts.scope,
        ...(opts.tenant ? { tenant_id: opts.tenant } : {}),
        ...(opts.allowIp ? { ip_allowlist: opts.allowIp } : {}),
        ...(opts.expires ? { expires_at: opts.expires } : {}),
      }),
    );
    if (opts.json) return print(`${JSON.stringify(created, null, 2)}\n`);
    print(`${created.key}\n`);
    io.stderr.write(
      `Created key ${created.id} (${created.name}, ${created.scopes.join(' ')}). ` +
        'This is the only time it is shown: store it now.\n',
    );
  });

  remoteOptions(keys.command('list').description('list API keys')).action(
    async (opts: RemoteOptions) => {
      const list = await call(() => clientFor(io, opts).listKeys());
      if (opts.json) return print(`${JSON.stringify(list, null, 2)}\n`);
      const rows = list.map((k) => [
        k.id,
        k.name,
        `${k.prefix}…`,
        k.scopes.join(','),
        k.tenant_id ?? '*',
        k.revoked_at
          ? 'revoked'
          : k.expires_at && Date.parse(k.expires_at) <= Date.now()
            ? 'expired'
            : 'active',
        k.last_used_at ?? 'never',
      ]);
      print(formatTable(['ID', 'NAME', 'PREFIX', 'SCOPES', 'TENANT', 'STATUS', 'LAST USED'], rows));
    },
  );

  remoteOptions(
    keys.command('revoke').description('revoke an API key').argument('<id>', 'the key id'),
  ).action(async (id: string, opts: RemoteOptions) => {
    await call(() => clientFor(io, opts).revokeKey(id));
    if (opts.json) return print(`${JSON.stringify({ id, revoked: true })}\n`);
    print(`Revoked ${id}.\n`);
  });
}
