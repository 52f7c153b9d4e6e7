import { Type } from '@sinclair/typebox';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { Providers } from './module.js';

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
  source: Type.Union([Type.Literal('builtin'), Type.Literal('package'), Type.Literal('path')]),
  priority: Type.Integer({ description: 'Lower goes first within the channel.' }),
  timeout_ms: Type.Integer(),
  devices: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'Push: the device kinds it reaches; null: every kind.',
  }),
  options: Type.Record(Type.String(), Type.Unknown(), {
    description: 'Its options, secrets masked (`********`).',
  }),
  health: HealthView,
});

const TestResult = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  provider: Type.String(),
  latency_ms: Type.Number(),
});

/** `/providers`: the configured providers with their health, and their tests. */
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
