import { NotifydError } from '../core/errors.js';
import type { ObjectKind } from './kind.js';

/** Who is changing admin objects, as the admin services see them. */
export interface Caller {
  /** The API key's id (`admin` for the configured admin key): recorded as creator. */
  key_id: string;
  /** The tenant the request acts in. */
  tenant_id: string;
  /** The key belongs to that tenant and may reach no other. */
  tenant_bound: boolean;
  /**
   * The key holds the kind's `global.writeScope` (e.g. `ratelimit:admin`): with an unbound
   * key, global objects may be written.
   */
  admin: boolean;
}

/** Which objects a list shows: the caller's tenant's, the global ones, or both. */
export type ListScope = 'all' | 'tenant' | 'global';

/** The tenant a new object goes to: the one asked for (null: global), else the caller's. */
export function targetTenant(
  def: ObjectKind,
  caller: Caller,
  requested: string | null | undefined,
): string | null {
  if (requested === undefined) return caller.tenant_id;
  if (requested === null) {
    if (!caller.admin || caller.tenant_bound) {
      throw new NotifydError('FORBIDDEN', def.global.refusal, {
        required: def.global.writeScope,
      });
    }
    return null;
  }
  if (caller.tenant_bound && requested !== caller.tenant_id) {
    throw new NotifydError('FORBIDDEN', 'A tenant key can only manage its own tenant.');
  }
  return requested;
}

/** Whether the caller may see an object of this tenant (null: global). */
export function visible(def: ObjectKind, caller: Caller, tenantId: string | null): boolean {
  if (!caller.tenant_bound || tenantId === caller.tenant_id) return true;
  return tenantId === null && def.global.visibleToTenants;
}

/** The tenants a list of this scope reads (null: global objects). */
export function listedTenants(
  def: ObjectKind,
  caller: Caller,
  requested: ListScope = 'all',
): Array<string | null> {
  const scope = caller.tenant_bound && !def.global.visibleToTenants ? 'tenant' : requested;
  if (scope === 'global') return [null];
  return scope === 'tenant' ? [caller.tenant_id] : [caller.tenant_id, null];
}
