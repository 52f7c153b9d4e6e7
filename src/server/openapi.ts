import { takesIdempotencyKey } from '../http/idempotency-header.js';
import type { AnyRoute } from '../http/route.js';

/** Builds the OpenAPI 3.1 document from the same route declarations that serve requests. */
export function buildOpenApi(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([^/]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(route.params?.properties ?? {})) {
      parameters.push({ name, in: 'path', required: true, schema });
    }
    const required = new Set<string>(route.query?.required ?? []);
    for (const [name, schema] of Object.entries(route.query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
    if (takesIdempotencyKey(route.body)) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'The same as the body field idempotency_key; the body wins when both are given.',
        schema: { type: 'string', minLength: 1, maxLength: 256 },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema
          ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
          : {}),
        ...(!r.schema && r.contentType ? { content: { [r.contentType]: {} } } : {}),
      };
    }
    const security =
      route.auth.kind === 'key'
        ? [{ apiKey: [] }, { bearerKey: [] }]
        : route.auth.kind === 'user'
          ? [{ userToken: [] }]
          : [];
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth.kind === 'key' ? { 'x-required-scope': route.auth.scope } : {}),
      security,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: !route.bodyOptional,
              content: { 'application/json': { schema: route.body } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'notifyd', version, description: 'Self-hostable notification daemon.' },
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearerKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (nk_…) as a bearer token.',
        },
        userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}
