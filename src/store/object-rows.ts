/** Configuration objects as the persistent backends (SQLite, Postgres, Redis) keep them. */

import type { ObjectQuery, StoredObject } from './objects.js';

/**
 * How the persistent backends write a global object's tenant: '' (in SQL, NULL would make the
 * key index ignore the row; in Redis, it names the global index).
 */
export const GLOBAL = '';

/** The tenant as stored: '' for a global object. */
export const storedTenant = (tenantId: string | null): string => tenantId ?? GLOBAL;

/** The tenant as read back: null for a global object. */
export const tenantOf = (stored: string): string | null => (stored === GLOBAL ? null : stored);

/**
 * The stored tenants a list asks for: null for every tenant's and global objects, an empty
 * list when it asks for none (the list is then empty without asking the backend).
 */
export function listedTenants(query: ObjectQuery): string[] | null {
  return query.tenants?.map(storedTenant) ?? null;
}

/** A row of the SQL `objects` table, with its document as the driver reads it. */
export interface ObjectRow<Data> {
  kind: string;
  id: string;
  tenant_id: string;
  key: string | null;
  data: Data;
  version: number;
  created_at: number;
  updated_at: number;
}

/** A stored object from its SQL row and its parsed document. */
export function objectFrom(row: ObjectRow<unknown>, data: Record<string, unknown>): StoredObject {
  return {
    kind: row.kind,
    id: row.id,
    tenant_id: tenantOf(row.tenant_id),
    key: row.key,
    data,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A new object's values for the SQL `objects` columns kind, id, tenant_id, key, data. */
export function newObjectValues(input: Omit<StoredObject, 'version' | 'updated_at'>) {
  return [
    input.kind,
    input.id,
    storedTenant(input.tenant_id),
    input.key,
    JSON.stringify(input.data),
  ] as const;
}
