import { type Static, type TOptional, type TSchema, Type } from '@sinclair/typebox';
import { TENANT_PATTERN } from '../core/tenancy.js';
import type { StoredObject } from '../store/types.js';

/** The shapes every admin object kind shares: list parameters, pages, the view's envelope. */

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

/** Page-based list parameters: which page, how many, and whose objects. */
export const ListQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    scope: Type.Optional(literals(['all', 'tenant', 'global'] as const)),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

/** The owning tenant in a create body: a tenant id, or null for a global object. */
export const OwnerTenant = (description: string) =>
  Type.Optional(
    Type.Union([Type.String({ pattern: TENANT_PATTERN }), Type.Null()], { description }),
  );

/** One page of a list, as the API answers it. */
export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    page: Type.Integer(),
    per_page: Type.Integer(),
    total: Type.Integer(),
  });
}

/** Fields every object view carries around its document. */
export const ViewEnvelope = {
  id: Type.String(),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The envelope of a stored object, times as ISO text. */
export function envelopeOf(o: Omit<StoredObject, 'data'>) {
  return {
    id: o.id,
    tenant_id: o.tenant_id,
    version: o.version,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
  };
}

/** The same fields, every one optional (an update body made from the create body's fields). */
export function partial<T extends Record<string, TSchema>>(
  fields: T,
): { [K in keyof T]: TOptional<T[K]> } {
  const out: Record<string, TSchema> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = Type.Optional(v);
  return out as { [K in keyof T]: TOptional<T[K]> };
}

/** An update body: the fields a kind's update may change, each optional, and the version expected. */
export function updateBody<T extends Record<string, TSchema>>(fields: T) {
  return Type.Object(
    { ...partial(fields), version: Type.Optional(Type.Integer({ minimum: 1 })) },
    { additionalProperties: false },
  );
}
