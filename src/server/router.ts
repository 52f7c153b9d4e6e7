import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { performance } from 'node:perf_hooks';
import type { KeyService } from '../auth/api-keys.js';
import type { JwtVerifier } from '../auth/jwt.js';
import type { Principal, ServicePrincipal } from '../auth/principal.js';
import { hasScope } from '../auth/scopes.js';
import { errorEnvelope, NotifydError, toNotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { parseBoundedJson } from '../core/json.js';
import type { Logger } from '../core/logger.js';
import { TENANT_PATTERN } from '../core/tenancy.js';
import {
  IDEMPOTENCY_HEADER,
  takesIdempotencyKey,
  withIdempotencyHeader,
} from '../http/idempotency-header.js';
import type { AnyRoute, Method, Reply } from '../http/route.js';
import { compileValidator } from '../http/validate.js';
import type { HttpRateLimiting } from '../ratelimit/http-limiting.js';
import type { ClientAddresses } from './client-address.js';
import type { Cors } from './cors.js';
import { declaredLength, droppedAfterRefusal, framingFault, rememberRefusal } from './framing.js';
import {
  type RequestInfo,
  type ResponseState,
  readBody,
  readRequest,
  writeResponse,
} from './http.js';
import type { Metrics } from './metrics.js';

export interface RouterDeps {
  keys: KeyService;
  jwt: JwtVerifier;
  metrics: Metrics;
  logger: Logger;
  ids: IdGenerator;
  bodyLimit: number;
  /** Who the client is: the peer, or X-Forwarded-For behind trusted proxies. */
  addresses: ClientAddresses;
  accessLog: boolean;
  cors: Cors;
  /** Requests being handled now, and whether new ones are refused; owned by the server. */
  lifecycle: { inflight: number; draining: boolean };
  /** The rate-limit engine every request goes through (after its caller is known). */
  rateLimiting?: HttpRateLimiting;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
const BEARER = /^Bearer\s+(\S+)$/i;
const TENANT = new RegExp(TENANT_PATTERN);

const UWS_METHOD = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'del' } as const;
const HAS_BODY = new Set<Method>(['POST', 'PUT', 'PATCH']);

/** A route compiled for dispatch: validators built once, path parameter names known. */
interface Compiled {
  route: AnyRoute;
  label: string;
  paramNames: string[];
  body?: (v: unknown) => unknown;
  /** The body takes `idempotency_key`, so the Idempotency-Key header fills it in. */
  idempotencyHeader: boolean;
  query?: (v: unknown) => unknown;
  params?: (v: unknown) => unknown;
  /** Routes at the same method and path chosen by their body (`Route.when`), tried first. */
  alternates?: Compiled[];
}

function compile(route: AnyRoute): Compiled {
  return {
    route,
    label: route.path,
    paramNames: route.path
      .split('/')
      .filter((s) => s.startsWith(':'))
      .map((s) => s.slice(1)),
    ...(route.body ? { body: compileValidator(route.body, 'body') } : {}),
    idempotencyHeader: takesIdempotencyKey(route.body),
    ...(route.query ? { query: compileValidator(route.query, 'query') } : {}),
    ...(route.params ? { params: compileValidator(route.params, 'params') } : {}),
  };
}

function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new NotifydError('VALIDATION_ERROR', 'A path parameter is not valid URL encoding.');
  }
}

/** The client's address: the socket's, or X-Forwarded-For's behind trusted proxies. */
function clientAddress(info: RequestInfo, addresses: ClientAddresses): string {
  return addresses.of(info.remoteAddress, info.headers['x-forwarded-for']);
}

/**
 * One compiled route per method and path: a route with `when` becomes an alternate of the
 * one without at the same place, chosen by the request's body.
 */
function withAlternates(routes: AnyRoute[]): Compiled[] {
  const at = new Map<string, Compiled>();
  const alternates: AnyRoute[] = [];
  for (const route of routes) {
    if (route.when) alternates.push(route);
    else at.set(`${route.method} ${route.path}`, compile(route));
  }
  for (const route of alternates) {
    const main = at.get(`${route.method} ${route.path}`);
    if (!main) {
      at.set(`${route.method} ${route.path}`, compile({ ...route, when: undefined }));
      continue;
    }
    if (JSON.stringify(main.route.auth) !== JSON.stringify(route.auth)) {
      throw new Error(`${route.method} ${route.path}: an alternate must ask for the same auth`);
    }
    main.alternates = [...(main.alternates ?? []), compile(route)];
  }
  return [...at.values()];
}

/** A path served outside the routes (a WebSocket or SSE door), for the 405 fallback. */
export interface OtherPath {
  path: string;
  methods: Method[];
}

/**
 * Registers every route on the app, plus the 404/405 fallback: a path served by a route or
 * by `others` (the real-time doors, mounted apart) answers another method with 405 and Allow.
 */
export function mountRoutes(
  app: TemplatedApp,
  routes: AnyRoute[],
  deps: RouterDeps,
  others: readonly OtherPath[] = [],
): void {
  const byPath = new Map<string, Method[]>(others.map((o) => [o.path, [...o.methods]]));
  for (const c of withAlternates(routes)) {
    const { route } = c;
    byPath.set(route.path, [...(byPath.get(route.path) ?? []), route.method]);
    app[UWS_METHOD[route.method]](route.path, (res, req) => {
      const info = readRequest(res, req);
      if (refusedFraming(res, info, deps, c.label, HAS_BODY.has(route.method))) return;
      const raw = c.paramNames.map((_, i) => req.getParameter(i) ?? '');
      dispatch(res, info, deps, c, raw);
    });
  }
  const patterns = [...byPath.entries()].map(([path, methods]) => ({
    re: new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`),
    methods,
  }));
  app.any('/*', (res, req) => {
    const info = readRequest(res, req);
    if (refusedFraming(res, info, deps, 'unmatched', true)) return;
    const allowed = patterns.find((p) => p.re.test(info.path))?.methods;
    const err = allowed
      ? new NotifydError('METHOD_NOT_ALLOWED', undefined, { allowed })
      : new NotifydError('NOT_FOUND', `No route ${info.method} ${info.path}.`);
    const headers: Record<string, string> = allowed ? { allow: allowed.join(', ') } : {};
    fail(res, info, deps, allowed ? 'unmatched:405' : 'unmatched:404', err, headers);
  });
}

/**
 * Refuses, before any handler runs, a request whose body framing is ambiguous (400) or
 * whose declared body is over the limit (413), and closes the connection: uWS must not read
 * what follows as another request, and an oversized body is not worth draining.
 */
function refusedFraming(
  res: HttpResponse,
  info: RequestInfo,
  deps: RouterDeps,
  label: string,
  hasBody: boolean,
): boolean {
  if (droppedAfterRefusal(res, info.remoteAddress)) return true;
  const fault = framingFault(info.headers);
  // Only an ambiguous request may hide another; what follows an oversized but well-framed
  // body is the client's own next request.
  if (fault) rememberRefusal(info.remoteAddress);
  const err =
    fault ??
    (hasBody && declaredLength(info.headers) > deps.bodyLimit
      ? new NotifydError('PAYLOAD_TOO_LARGE', undefined, { limit: deps.bodyLimit })
      : null);
  if (!err) return false;
  fail(res, info, deps, label, err, {}, true);
  return true;
}

function fail(
  res: HttpResponse,
  info: RequestInfo,
  deps: RouterDeps,
  label: string,
  err: NotifydError,
  headers: Record<string, string>,
  closeConnection = false,
): void {
  const state: ResponseState = { aborted: false, done: false };
  const requestId = deps.ids('req');
  res.onAborted(() => {
    state.aborted = true;
  });
  writeResponse(
    res,
    state,
    err.status,
    {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...deps.cors.headers(info.headers.origin),
      ...headers,
    },
    JSON.stringify(errorEnvelope(err, requestId)),
    closeConnection,
  );
  deps.metrics.httpRequests.inc({ method: info.method, route: label, status: err.status });
}

function dispatch(
  res: HttpResponse,
  info: RequestInfo,
  deps: RouterDeps,
  c: Compiled,
  rawParams: string[],
): void {
  const started = performance.now();
  const state: ResponseState = { aborted: false, done: false };
  res.onAborted(() => {
    state.aborted = true;
    state.onAbort?.();
  });
  const given = info.headers['x-request-id'];
  const requestId = given && REQUEST_ID.test(given) ? given : deps.ids('req');
  const { lifecycle } = deps;
  lifecycle.inflight++;

  // uWS hands the body only to a reader attached now, before the first await.
  let body: Promise<Buffer> | undefined;
  // A DELETE reads a body only where its route declares one (removing topic members).
  if (HAS_BODY.has(c.route.method) || (c.route.method === 'DELETE' && c.route.body)) {
    const limit = Math.min(deps.bodyLimit, c.route.bodyLimit ?? deps.bodyLimit);
    body = readBody(res, state, declaredLength(info.headers), limit);
    body.catch(() => {});
  }

  const limitHeaders: Record<string, string> = {};
  handle(info, deps, c, rawParams, requestId, body, limitHeaders)
    .catch((err: unknown) => errorReply(err, deps, info, requestId))
    .then((reply) => {
      const headers: Record<string, string> = {
        'x-request-id': requestId,
        ...deps.cors.headers(info.headers.origin),
        ...limitHeaders,
        ...reply.headers,
      };
      if (reply.body !== undefined)
        headers['content-type'] = reply.contentType ?? 'application/json';
      const payload =
        reply.contentType && (typeof reply.body === 'string' || Buffer.isBuffer(reply.body))
          ? reply.body
          : reply.body === undefined
            ? ''
            : JSON.stringify(reply.body);
      // While draining, tell keep-alive clients to go elsewhere.
      const close = lifecycle.draining;
      writeResponse(res, state, reply.status, headers, payload, close);
      const seconds = (performance.now() - started) / 1000;
      const labels = { method: c.route.method, route: c.label };
      deps.metrics.httpRequests.inc({ ...labels, status: reply.status });
      deps.metrics.httpDuration.observe(labels, seconds);
      if (deps.accessLog) {
        deps.logger.info(
          { request_id: requestId, ...labels, status: reply.status, ms: seconds * 1000 },
          'request',
        );
      }
    })
    .finally(() => {
      lifecycle.inflight--;
    });
}

function errorReply(err: unknown, deps: RouterDeps, info: RequestInfo, requestId: string): Reply {
  const e = toNotifydError(err);
  if (e.status >= 500) {
    deps.logger.error({ err, request_id: requestId, path: info.path }, 'request failed');
  }
  const headers: Record<string, string> = {};
  if (e.status === 503) headers['retry-after'] = '5';
  const retry = e.details.retry_after_seconds;
  if (e.status === 429 && typeof retry === 'number') headers['retry-after'] = String(retry);
  return { status: e.status, body: errorEnvelope(e, requestId), headers };
}

async function authenticate(
  info: RequestInfo,
  deps: RouterDeps,
  c: Compiled,
): Promise<Principal | null> {
  const { auth } = c.route;
  if (auth.kind === 'none') return null;
  const bearer = BEARER.exec(info.headers.authorization ?? '')?.[1];
  if (auth.kind === 'user') {
    if (!bearer) throw new NotifydError('AUTH_FAILED', 'A bearer token is required.');
    return deps.jwt.verify(bearer);
  }
  const key = info.headers['x-api-key'] ?? bearer;
  if (!key) throw new NotifydError('UNAUTHORIZED');
  const tenant = info.headers['x-tenant-id'];
  if (tenant !== undefined && !TENANT.test(tenant)) {
    throw new NotifydError('VALIDATION_ERROR', 'X-Tenant-ID is not a valid tenant id.');
  }
  const address = clientAddress(info, deps.addresses);
  let principal: ServicePrincipal;
  try {
    principal = await deps.keys.authenticate(key, address, tenant);
  } catch (err) {
    if (err instanceof NotifydError && err.code === 'IP_NOT_ALLOWED') {
      deps.logger.warn(
        { address, path: info.path, key_prefix: key.slice(0, 8) },
        'an API key was used from an address its allowlist does not allow',
      );
    }
    throw err;
  }
  if (!hasScope(principal.scopes, auth.scope)) {
    throw new NotifydError('FORBIDDEN', `The key lacks the ${auth.scope} scope.`, {
      required: auth.scope,
    });
  }
  return principal;
}

/** The route that takes this body (an alternate when its `when` holds) and the body checked by it. */
async function parseBody(
  info: RequestInfo,
  main: Compiled,
  raw: Buffer,
): Promise<[Compiled, unknown]> {
  if (raw.byteLength === 0) {
    if (main.route.bodyOptional || !main.body) return [main, main.body ? main.body({}) : undefined];
    throw new NotifydError('VALIDATION_ERROR', 'A JSON body is required.');
  }
  if (main.route.form) {
    if (!FORM_TYPE.test(info.headers['content-type'] ?? '')) {
      throw new NotifydError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be a form.');
    }
    const value = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    return [main, main.body ? main.body(value) : undefined];
  }
  if (!JSON_TYPE.test(info.headers['content-type'] ?? '')) {
    throw new NotifydError('UNSUPPORTED_MEDIA_TYPE');
  }
  let value: unknown;
  try {
    value = parseBoundedJson(raw.toString('utf8'));
  } catch (err) {
    throw new NotifydError('INVALID_JSON', undefined, { reason: (err as Error).message });
  }
  const c = main.alternates?.find((a) => a.route.when?.(value)) ?? main;
  if (c.idempotencyHeader) value = withIdempotencyHeader(value, info.headers[IDEMPOTENCY_HEADER]);
  return [c, c.body ? c.body(value) : undefined];
}

async function handle(
  info: RequestInfo,
  deps: RouterDeps,
  c: Compiled,
  rawParams: string[],
  requestId: string,
  body: Promise<Buffer> | undefined,
  limitHeaders: Record<string, string>,
): Promise<Reply> {
  if (deps.lifecycle.draining) throw new NotifydError('SHUTTING_DOWN');
  // A caller that fails to authenticate is still limited (by address), so guessing keys
  // costs the same as using one.
  let principal: Principal | null = null;
  let refused: unknown = null;
  try {
    principal = await authenticate(info, deps, c);
  } catch (err) {
    refused = err;
  }
  if (deps.rateLimiting) {
    const ip = clientAddress(info, deps.addresses);
    const essential = c.route.auth.kind === 'none';
    const { headers, error } = await deps.rateLimiting.check(info, principal, ip, essential);
    Object.assign(limitHeaders, headers);
    if (error) throw error;
  }
  if (refused) throw refused;
  const params: Record<string, string> = {};
  c.paramNames.forEach((name, i) => {
    params[name] = decodeParam(rawParams[i] ?? '');
  });
  const ctx = {
    request: info,
    requestId,
    principal,
    params: c.params ? c.params(params) : params,
    query: c.query ? c.query(parseQuery(info.query)) : undefined,
    body: undefined as unknown,
  };
  let chosen = c;
  if (body) [chosen, ctx.body] = await parseBody(info, c, await body);
  return chosen.route.handler(ctx as Parameters<AnyRoute['handler']>[0]);
}
