import { type Static, Type } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import { TENANT_PATTERN } from '../core/tenancy.js';
import type { EventSink } from '../events/catalogue.js';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf } from '../http/route.js';
import type { ApiKeyRecord } from '../store/types.js';
import type { KeyService } from './api-keys.js';
import { hasScope, SCOPES, type Scope } from './scopes.js';

/**
 * A key may hand out, or revoke, only scopes its own holder has: `notifications:admin`
 * manages keys but is no admin of rate limiting or analytics, so it can neither mint a
 * `ratelimit:admin` key nor revoke one.
 */
function checkGrantable(granted: readonly string[], scopes: readonly string[], verb: string) {
  const beyond = scopes.filter((scope) => !hasScope(granted, scope as Scope));
  if (beyond.length > 0) {
    throw new NotifydError(
      'FORBIDDEN',
      `A key can only ${verb} keys with scopes it holds itself; it lacks ${beyond.join(', ')}.`,
      { scopes: beyond },
    );
  }
}

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), {
      minItems: 1,
      uniqueItems: true,
    }),
    tenant_id: Type.Optional(
      Type.Union([Type.String({ pattern: TENANT_PATTERN }), Type.Null()], {
        description: 'The tenant the key acts for; null for any tenant (admin keys only).',
      }),
    ),
    ip_allowlist: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  ip_allowlist: Type.Array(Type.String()),
  created_at: Type.String(),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
});
type KeyView = Static<typeof KeyView>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toKeyView(r: ApiKeyRecord): KeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    tenant_id: r.tenant_id,
    ip_allowlist: r.ip_allowlist,
    created_at: iso(r.created_at)!,
    expires_at: iso(r.expires_at),
    revoked_at: iso(r.revoked_at),
    last_used_at: iso(r.last_used_at),
  };
}

/** API key management; needs `notifications:admin`. A tenant-bound key manages its tenant only. */
export function keyRoutes(
  keys: KeyService,
  emit: EventSink<'api_key.created' | 'api_key.revoked'>,
): AnyRoute[] {
  const admin = { kind: 'key', scope: 'notifications:admin' } as const;
  /** The tenant whose keys the caller manages, or undefined for all. */
  const scopeOf = (ctx: Parameters<typeof serviceOf>[0]) => {
    const caller = serviceOf(ctx);
    return caller.scopes.includes('*') ? undefined : caller.tenant_id;
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/keys',
      summary: 'Create an API key (the key is shown once, in this answer)',
      tag: 'keys',
      auth: admin,
      body: CreateKeyBody,
      responses: {
        201: {
          description: 'Created.',
          schema: Type.Intersect([KeyView, Type.Object({ key: Type.String() })]),
        },
        ...errors(400, 401, 403),
      },
      async handler(ctx) {
        const own = scopeOf(ctx);
        const wanted =
          ctx.body.tenant_id === undefined ? serviceOf(ctx).tenant_id : ctx.body.tenant_id;
        if (own !== undefined && wanted !== own) {
          throw new NotifydError('FORBIDDEN', 'A tenant key can only create keys for its tenant.');
        }
        checkGrantable(serviceOf(ctx).scopes, ctx.body.scopes, 'create');
        const expires = ctx.body.expires_at ? Date.parse(ctx.body.expires_at) : null;
        const { key, record } = await keys.create({
          name: ctx.body.name,
          scopes: ctx.body.scopes,
          tenant_id: wanted,
          ip_allowlist: ctx.body.ip_allowlist ?? [],
          expires_at: expires,
        });
        const view = toKeyView(record);
        emit('api_key.created', record.tenant_id, {
          key_id: view.id,
          name: view.name,
          prefix: view.prefix,
          scopes: view.scopes,
          tenant_id: view.tenant_id,
          expires_at: view.expires_at,
          actor: serviceOf(ctx).key_id,
        });
        return { status: 201, body: { ...view, key } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/keys',
      summary: 'List API keys (never the keys themselves)',
      tag: 'keys',
      auth: admin,
      responses: {
        200: { description: 'The keys.', schema: Type.Object({ data: Type.Array(KeyView) }) },
        ...errors(401, 403),
      },
      async handler(ctx) {
        const list = await keys.list(scopeOf(ctx));
        return { status: 200, body: { data: list.map(toKeyView) } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/keys/:id',
      summary: 'Revoke an API key',
      tag: 'keys',
      auth: admin,
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
      responses: { 204: { description: 'Revoked.' }, ...errors(401, 403, 404) },
      async handler(ctx) {
        const scopes = await keys.scopesOf(ctx.params.id, scopeOf(ctx));
        checkGrantable(serviceOf(ctx).scopes, scopes, 'revoke');
        const revoked = await keys.revoke(ctx.params.id, scopeOf(ctx));
        emit('api_key.revoked', revoked.tenant_id, {
          key_id: revoked.id,
          name: revoked.name,
          actor: serviceOf(ctx).key_id,
        });
        return { status: 204 };
      },
    }),
  ];
}
