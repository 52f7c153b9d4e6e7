import { Type } from '@sinclair/typebox';
import { NotifydError } from '../../core/errors.js';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, routeGroup, serviceOf } from '../../http/route.js';
import type { RateLimitCheck } from '../check.js';
import type { RateLimitConfigCache } from '../config-cache.js';
import { limitHeaders } from '../http-limiting.js';
import { LIMIT_SCOPES } from '../spec.js';
import { MAX_RANGE_HOURS, type RateLimitStats } from '../stats.js';
import { BASE, SCOPES, TAG } from './objects.js';

/** The check, the standing and the counts need `ratelimit:read`. */
const route = routeGroup(TAG, { kind: 'key', scope: SCOPES.read });

const Scope = Type.Union(LIMIT_SCOPES.map((s) => Type.Literal(s)));
const Identifier = Type.String({ minLength: 1, maxLength: 512 });

const CheckBody = Type.Object(
  {
    scope: Type.Optional(Scope),
    identifier: Type.Optional(Identifier),
    policy: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'decide against this policy (id or name) only',
      }),
    ),
    cost: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    dry_run: Type.Optional(Type.Boolean({ description: 'decide without counting' })),
    request: Type.Optional(
      Type.Object(
        {
          method: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
          path: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          user_id: Type.Optional(Identifier),
          api_key_id: Type.Optional(Identifier),
          roles: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 }),
          ),
          plan: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          headers: Type.Optional(
            Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 8192 }), {
              maxProperties: 100,
            }),
          ),
          user_agent: Type.Optional(Type.String({ maxLength: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const LimitStatusView = Type.Object({
  limit: Type.Integer(),
  remaining: Type.Integer(),
  used: Type.Integer(),
  reset_at: Type.String({ format: 'date-time' }),
  retry_after_seconds: Type.Integer(),
  is_limited: Type.Boolean(),
  policy: Type.String(),
  algorithm: Type.String(),
  scope: Type.String(),
  burst: Type.Union([
    Type.Object({ remaining: Type.Integer(), total: Type.Integer() }),
    Type.Null(),
  ]),
});

/** Where a subject stands: what `POST /ratelimit/check` and `GET /ratelimit/status` answer. */
export const StatusView = Type.Composite([
  LimitStatusView,
  Type.Object({
    allowed: Type.Boolean(),
    bypass: Type.Boolean({ description: 'a bypass rule exempts the subject' }),
    limits: Type.Array(LimitStatusView, { description: 'every limit that applied' }),
  }),
]);

const Pair = Type.Object({ total: Type.Integer(), limited: Type.Integer() });
const AnalyticsView = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  total: Type.Integer(),
  limited: Type.Integer(),
  limited_rate: Type.Number(),
  by_scope: Type.Record(Type.String(), Pair, {
    description: 'a request counts once under each scope its limits count per',
  }),
  by_policy: Type.Record(Type.String(), Pair, {
    description:
      'a request counts once under each policy that applied to it, however many of its limits; limited when any of them refused it',
  }),
});

const TopView = Type.Object({
  data: Type.Array(
    Type.Object({
      key: Type.String(),
      scope: Type.String(),
      policy: Type.String(),
      limited: Type.Integer(),
      last_limited_at: Type.String({ format: 'date-time' }),
    }),
  ),
});

const StoreView = Type.Object({
  backend: Type.String(),
  healthy: Type.Boolean(),
  latency_ms: Type.Union([Type.Number(), Type.Null()]),
  on_store_error: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
});

export interface StoreProbe {
  backend: string;
  onStoreError: string;
  /** Times one decision that counts nothing; rejects when the store cannot decide. */
  probe(): Promise<number>;
}

/** The check and status API, analytics and the store's health. */
export function rateLimitCheckRoutes(deps: {
  check: RateLimitCheck;
  stats: RateLimitStats;
  config: RateLimitConfigCache;
  store: StoreProbe;
  now: () => number;
}): AnyRoute[] {
  const { check, stats, config, store, now } = deps;
  return [
    route({
      method: 'POST',
      path: `${BASE}/check`,
      summary: 'Decide one request of another service: counts it unless dry_run',
      body: CheckBody,
      responses: {
        200: {
          description: 'The decision (also when limited: see is_limited).',
          schema: StatusView,
        },
        ...errors(400, 401, 403, 404, 422),
      },
      async handler(ctx) {
        const { status, verdict } = await check.check({
          ...ctx.body,
          tenant_id: serviceOf(ctx).tenant_id,
        });
        return { status: 200, body: status, headers: limitHeaders(verdict, now()) };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/status/:scope/:identifier`,
      summary: 'Where a subject stands now; never counts',
      params: Type.Object({ scope: Scope, identifier: Identifier }),
      query: Type.Object(
        { policy: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
        { additionalProperties: false },
      ),
      responses: answers(200, 'The standing.', StatusView, [400, 401, 403, 404]),
      async handler(ctx) {
        const body = await check.status({
          tenant_id: serviceOf(ctx).tenant_id,
          scope: ctx.params.scope,
          identifier: ctx.params.identifier,
          ...(ctx.query.policy !== undefined ? { policy: ctx.query.policy } : {}),
        });
        return { status: 200, body };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/analytics`,
      summary: 'Requests decided and limited, by scope and policy, over whole hours',
      query: Type.Object(
        {
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false },
      ),
      responses: answers(200, 'The counts.', AnalyticsView, [400, 401, 403]),
      async handler(ctx) {
        const to = ctx.query.to ? Date.parse(ctx.query.to) : now();
        const from = ctx.query.from ? Date.parse(ctx.query.from) : to - 24 * 3_600_000;
        if (from > to) throw new NotifydError('VALIDATION_ERROR', 'from must not be after to.');
        if (to - from > MAX_RANGE_HOURS * 3_600_000) {
          throw new NotifydError(
            'VALIDATION_ERROR',
            `The range is at most ${MAX_RANGE_HOURS} hours.`,
          );
        }
        const tenant = serviceOf(ctx).tenant_id;
        const policies = (await config.snapshot()).policiesOf(tenant).map((p) => p.data.name);
        return {
          status: 200,
          body: await stats.analytics(tenant, from, to, policies, LIMIT_SCOPES),
        };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/top-limited`,
      summary: "The keys this node limited most in the last hour (the caller's tenant)",
      query: Type.Object(
        { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
        { additionalProperties: false },
      ),
      responses: answers(200, 'Most limited first.', TopView, [400, 401, 403]),
      async handler(ctx) {
        return {
          status: 200,
          body: { data: stats.topLimited(ctx.query.limit ?? 10, serviceOf(ctx).tenant_id) },
        };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/store`,
      summary: "The rate-limit store's health and the latency of one decision",
      responses: answers(200, 'The store.', StoreView, [401, 403]),
      async handler() {
        const base = { backend: store.backend, on_store_error: store.onStoreError };
        try {
          const ms = await store.probe();
          return { status: 200, body: { ...base, healthy: true, latency_ms: ms, error: null } };
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          return { status: 200, body: { ...base, healthy: false, latency_ms: null, error } };
        }
      },
    }),
  ];
}
