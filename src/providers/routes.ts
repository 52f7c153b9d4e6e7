import { Type } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import { callerOf } from '../http/admin-routes.js';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { ProviderConcurrencySchema, ProviderRateLimitSchema } from './options.js';
import type { Providers } from './providers.js';

const TAG = 'providers';
const BASE = '/api/v1/providers';
/** Providers are the node's configuration: reading or testing them needs `notifications:admin`. */
const auth = { kind: 'key', scope: 'notifications:admin' } as const;

const HealthView = Type.Object({
  state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')], {
    description:
      'The circuit on this node: open sends the channel’s deliveries to the next provider.',
  }),
  consecutive_failures: Type.Integer(),
  sent: Type.Integer({ description: 'Messages accepted since this node started.' }),
  failed: Type.Integer({ description: 'Failed sends since this node started.' }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_error_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  p50_latency_ms: Type.Union([Type.Number(), Type.Null()]),
});

const ProviderView = Type.Object({
  name: Type.String(),
  channel: Type.String(),
  plugin: Type.String({ description: 'As configured: a built-in’s name, a package or a path.' }),
  source: Type.Union([Type.Literal('config'), Type.Literal('runtime')], {
    description:
      'config: from the configuration file (read-only through the API); runtime: added through PUT /providers/{name}, stored, on every node.',
  }),
  loaded_from: Type.Union([Type.Literal('builtin'), Type.Literal('package'), Type.Literal('path')]),
  priority: Type.Integer({ description: 'Lower goes first within the channel.' }),
  timeout_ms: Type.Integer(),
  devices: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'Push: the device kinds it reaches; null: every kind.',
  }),
  options: Type.Record(Type.String(), Type.Unknown(), {
    description: 'Its options, secrets masked (`********`).',
  }),
  health: HealthView,
  limits: Type.Object({
    concurrency: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Most sends in flight to it from this node; null: no limit of its own.',
    }),
    rate_limit: Type.Union(
      [
        Type.Object({
          max_requests: Type.Integer(),
          window_seconds: Type.Integer(),
          algorithm: Type.String(),
        }),
        Type.Null(),
      ],
      { description: 'Its sends per window over every node sharing the rate-limit store.' },
    ),
    in_flight: Type.Integer({ description: 'Sends to it in flight on this node now.' }),
    rate_limited_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        'Until when this node found it at its rate limit (deliveries go to the next provider or wait); null: not limited.',
    }),
  }),
});

const TestResult = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  provider: Type.String(),
  latency_ms: Type.Number(),
});

const NAME = '^[a-z0-9][a-z0-9_-]{0,62}$';
const NameParams = Type.Object({
  name: Type.String({
    pattern: NAME,
    description: 'The provider’s name, unique over every channel.',
  }),
});

const PutProviderBody = Type.Object(
  {
    plugin: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description:
          'A built-in (`webpush`, `fcm`, `apns`, `twilio`, `smtp`, `webhook`, `console`), a package name, or a path to a module on the nodes.',
      }),
    ),
    use: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'Another name for `plugin`.' }),
    ),
    channel: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_-]{0,31}$',
        description: 'The channel it serves: needed for a plugin of any channel (console).',
      }),
    ),
    priority: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1000, description: 'Lower goes first; default 0.' }),
    ),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 300000 })),
    concurrency: Type.Optional(ProviderConcurrencySchema),
    rate_limit: Type.Optional(ProviderRateLimitSchema),
    options: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'The plugin’s options, checked against its schema. Credentials are stored encrypted (encryption.key) and shown masked; a masked value (`********`) sent back keeps the stored one. Environment references ($NAME in braces) are not read here.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `/providers`: the providers with their health, their tests, and those added at runtime. */
export function providerRoutes(providers: Providers): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: BASE,
      summary: 'The configured providers of every channel, in priority order, with their health',
      tag: TAG,
      auth,
      responses: {
        200: {
          description: 'The providers (secrets masked).',
          schema: Type.Object({ data: Type.Array(ProviderView) }),
        },
        ...errors(401, 403),
      },
      async handler() {
        return { status: 200, body: { data: providers.list() } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:name`,
      summary: 'One provider, from the configuration file or added at runtime, with its health',
      tag: TAG,
      auth,
      params: NameParams,
      responses: {
        200: { description: 'The provider (secrets masked).', schema: ProviderView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        return { status: 200, body: providers.view(ctx.params.name) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${BASE}/:name`,
      summary:
        'Add or replace a runtime provider: checked against its plugin’s options, stored with its credentials encrypted, serving on every node',
      tag: TAG,
      auth,
      params: NameParams,
      body: PutProviderBody,
      responses: {
        200: {
          description: 'The provider as it now serves (secrets masked).',
          schema: ProviderView,
        },
        ...errors(400, 401, 403, 409),
      },
      async handler(ctx) {
        const { use, plugin, ...rest } = ctx.body;
        const named = plugin ?? use;
        if (!named || (plugin && use && plugin !== use)) {
          const message = named ? 'plugin and use name different plugins' : 'is required';
          throw new NotifydError('VALIDATION_ERROR', `body.plugin ${message}`, {
            issues: [{ field: 'body.plugin', message }],
          });
        }
        const caller = callerOf(ctx, 'notifications:admin');
        const view = await providers.put(caller, ctx.params.name, { ...rest, plugin: named });
        return { status: 200, body: view };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:name`,
      summary: 'Remove a runtime provider from every node (configuration-file ones are read-only)',
      tag: TAG,
      auth,
      params: NameParams,
      responses: { 204: { description: 'Removed.' }, ...errors(400, 401, 403, 404, 409) },
      async handler(ctx) {
        await providers.remove(callerOf(ctx, 'notifications:admin'), ctx.params.name);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/:name/test`,
      summary:
        'Run a provider’s own check (credentials, reachability) without sending to anyone; a channel name tests its first provider',
      tag: TAG,
      auth,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }),
      bodyOptional: true,
      body: Type.Object({}, { additionalProperties: false }),
      responses: {
        200: { description: 'How the check went.', schema: TestResult },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        return { status: 200, body: await providers.test(ctx.params.name) };
      },
    }),
  ];
}
