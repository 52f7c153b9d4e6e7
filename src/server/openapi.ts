import { takesIdempotencyKey } from '../http/idempotency-header.js';
import type { AnyRoute } from '../http/route.js';

interface Operation {
  summary: string;
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** Adds a body-chosen alternate's body and answers to an operation as `oneOf`. */
function alternateOf(
  op: Operation,
  body: unknown,
  responses: Record<string, unknown>,
  summary: string,
): void {
  op.summary = `${op.summary}; or ${summary}`;
  const json = op.requestBody?.content['application/json'];
  if (json && body) json.schema = { oneOf: [json.schema, body] };
  for (const [status, r] of Object.entries(responses) as Array<
    [string, Operation['responses'][string]]
  >) {
    const mine = op.responses[status]?.content?.['application/json'];
    const theirs = r.content?.['application/json'];
    if (mine?.schema && theirs?.schema) mine.schema = { oneOf: [mine.schema, theirs.schema] };
    else op.responses[status] ??= r;
  }
}

/**
 * Builds the OpenAPI 3.1 document from the same route declarations that serve requests;
 * `extraPaths` are path items served outside the router (the real-time doors).
 */
export function buildOpenApi(
  routes: AnyRoute[],
  version: string,
  extraPaths: Record<string, unknown> = {},
): Record<string, unknown> {
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
    const method = route.method.toLowerCase();
    const existing = paths[path][method] as Operation | undefined;
    if (existing && route.when) {
      // A second door at the same place (chosen by body shape): either body, either answer.
      alternateOf(existing, route.body, responses, route.summary);
      continue;
    }
    paths[path][method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth.kind === 'key' ? { 'x-required-scope': route.auth.scope } : {}),
      security,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: !route.bodyOptional,
              content: {
                [route.form ? 'application/x-www-form-urlencoded' : 'application/json']: {
                  schema: route.body,
                },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'notifyd', version, description: 'Self-hostable notification daemon.' },
    paths: { ...paths, ...extraPaths },
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
