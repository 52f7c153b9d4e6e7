import { type TSchema, Type } from '@sinclair/typebox';
import type { Principal } from '../../auth/principal.js';
import { hasScope } from '../../auth/scopes.js';
import type { Caller, Page } from '../../ratelimit/repository.js';
import { PageOf } from '../../ratelimit/schemas.js';
import { serviceOf } from '../route.js';
import { errors } from './common.js';

/** Reads need `ratelimit:read`, changes `ratelimit:manage` (global objects: `ratelimit:admin`). */
export const READ = { kind: 'key', scope: 'ratelimit:read' } as const;
export const MANAGE = { kind: 'key', scope: 'ratelimit:manage' } as const;
export const TAG = 'ratelimit';
export const BASE = '/api/v1/ratelimit';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** The caller as the rate-limit services see it. */
export function callerOf(ctx: { principal: Principal | null }): Caller {
  const p = serviceOf(ctx);
  return {
    key_id: p.key_id,
    tenant_id: p.tenant_id,
    tenant_bound: p.tenant_bound,
    admin: hasScope(p.scopes, 'ratelimit:admin'),
  };
}

/** A page of objects as the API answers it. */
export function pageBody<T, V>(page: Page<T>, view: (o: T) => V) {
  return {
    data: page.items.map(view),
    page: page.page,
    per_page: page.per_page,
    total: page.total,
  };
}

/** Documented answers of a list route. */
export function listResponses(view: TSchema) {
  return {
    200: { description: 'One page, oldest first.', schema: PageOf(view) },
    ...errors(400, 401, 403),
  };
}

/** Documented answers of a route that answers one object. */
export function oneResponses(
  status: number,
  description: string,
  view: TSchema,
  ...codes: number[]
) {
  return { [status]: { description, schema: view }, ...errors(400, 401, 403, ...codes) };
}

/** Documented answers of a delete route. */
export function deleteResponses(...codes: number[]) {
  return { 204: { description: 'Deleted.' }, ...errors(400, 401, 403, 404, ...codes) };
}
