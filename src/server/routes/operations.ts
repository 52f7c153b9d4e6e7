import { Type } from '@sinclair/typebox';
import { NotifydError } from '../../core/errors.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { Store } from '../../store/types.js';
import { VERSION } from '../../version.js';
import type { Metrics } from '../metrics.js';
import { buildOpenApi } from '../openapi.js';
import { realtimePaths } from '../realtime/openapi-paths.js';
import type { RealtimeDoor } from '../realtime/wire.js';

export interface OperationsDeps {
  store: Store;
  metrics: Metrics | null;
  lifecycle: { draining: boolean };
  /** The OpenAPI document, built once all routes are known. */
  openapi: () => string;
  /** The real-time doors (WebSocket and SSE), served beside the routes, for the document. */
  realtime?: readonly RealtimeDoor[];
}

const Status = Type.Object({ status: Type.String() });

/** Liveness, readiness, metrics and the API description: no credentials needed. */
export function operationsRoutes(deps: OperationsDeps): AnyRoute[] {
  const none = { kind: 'none' } as const;
  const routes: AnyRoute[] = [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tag: 'operations',
      auth: none,
      responses: { 200: { description: 'Alive.', schema: Status } },
      handler: () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      summary: 'Readiness: the store answers and the server is not shutting down',
      tag: 'operations',
      auth: none,
      responses: { 200: { description: 'Ready.', schema: Status }, ...errors(503) },
      async handler() {
        if (deps.lifecycle.draining) throw new NotifydError('SHUTTING_DOWN');
        try {
          await deps.store.ping();
        } catch {
          throw new NotifydError('STORE_UNAVAILABLE');
        }
        return { status: 200, body: { status: 'ready' } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      summary: 'This API, as OpenAPI 3.1',
      tag: 'operations',
      auth: none,
      responses: { 200: { description: 'The document.' } },
      handler: () => ({ status: 200, body: deps.openapi(), contentType: 'application/json' }),
    }),
  ];
  const { metrics } = deps;
  if (metrics) {
    routes.push(
      defineRoute({
        method: 'GET',
        path: '/metrics',
        summary: 'Prometheus metrics',
        tag: 'operations',
        auth: none,
        responses: { 200: { description: 'Prometheus text format.', contentType: 'text/plain' } },
        async handler() {
          return {
            status: 200,
            body: await metrics.registry.metrics(),
            contentType: metrics.registry.contentType,
          };
        },
      }),
    );
  }
  return routes;
}

/** The modules' routes and the operations routes, with the OpenAPI document of them all. */
export function withOperations(
  routes: readonly AnyRoute[],
  deps: Omit<OperationsDeps, 'openapi'>,
): AnyRoute[] {
  let openapi = '';
  const all = [...routes, ...operationsRoutes({ ...deps, openapi: () => openapi })];
  openapi = JSON.stringify(buildOpenApi(all, VERSION, realtimePaths(deps.realtime ?? [])));
  return all;
}
