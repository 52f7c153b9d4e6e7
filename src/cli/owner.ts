import type { Command } from 'commander';
import type { RemoteOptions } from './remote.js';

/** Options of commands that create tenant-scoped or global objects. */
export interface OwnerOptions extends RemoteOptions {
  tenant?: string;
  global?: boolean;
}

/** `tenant_id` for a create body: `--global` is null, `--tenant x` is x, else the key's. */
export function ownerOf(opts: OwnerOptions): { tenant_id?: string | null } {
  if (opts.global) return { tenant_id: null };
  return opts.tenant ? { tenant_id: opts.tenant } : {};
}

/** Adds `--tenant` and `--global` to a create command; `global` says what a global one is. */
export function ownerFlags(cmd: Command, global: string): Command {
  return cmd
    .option('--tenant <id>', 'the tenant it belongs to (default: the key’s)')
    .option('--global', global);
}

/** The tenant column: `(global)` for global objects. */
export const owner = (o: { tenant_id: string | null }) =>
  o.tenant_id === null ? '(global)' : o.tenant_id;
