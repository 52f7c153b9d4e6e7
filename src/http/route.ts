import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal, ServicePrincipal, UserPrincipal } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import type { RequestInfo } from './request.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: anyone, a service with an API key and a scope, or an end user with a JWT. */
export type AuthRequirement = { kind: 'none' } | { kind: 'key'; scope: Scope } | { kind: 'user' };

/** What a handler returns; the router serialises it. */
export interface Reply {
  status: number;
  /** Serialised as JSON unless `contentType` is given with a string or Buffer body. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Everything a handler gets: the validated input and the caller. */
export interface Context<B, Q, P> {
  request: RequestInfo;
  requestId: string;
  body: B;
  query: Q;
  params: P;
  /** The caller; check `auth` on the route for which kind it is. */
  principal: Principal | null;
}

/** What a schema (or its absence) validates into. */
export type In<T> = T extends TSchema ? Static<T> : undefined;

/** One HTTP route, declared once: it drives registration, validation and the OpenAPI document. */
export interface Route<
  TB extends TSchema | undefined = undefined,
  TQ extends TSchema | undefined = undefined,
  TP extends TSchema | undefined = undefined,
> {
  method: Method;
  /** uWS pattern under the server root, e.g. `/api/v1/me/notifications/:id`. */
  path: string;
  summary: string;
  tag: string;
  auth: AuthRequirement;
  body?: TB;
  /** When true an empty body is read as `{}`. */
  bodyOptional?: boolean;
  /**
   * When true the body is `application/x-www-form-urlencoded` (a service's callback, e.g.
   * Twilio's), read as an object of its fields (a repeated name keeps its last value).
   */
  form?: boolean;
  /** Largest body in bytes, below `server.body_limit` (a callback's small form). */
  bodyLimit?: number;
  query?: TQ;
  params?: TP;
  /** Documented answers: status → description and schema. */
  responses: Record<number, { description: string; schema?: TSchema; contentType?: string }>;
  handler(ctx: Context<In<TB>, In<TQ>, In<TP>>): Promise<Reply> | Reply;
  /**
   * Set on a second route at a method and path another route already serves (a
   * compatibility door, e.g. Ara's batch at notifyd's): the request goes to this route when
   * its parsed JSON body satisfies `when`, else to the route without one. Both must ask for
   * the same credentials (they are checked before the body is read).
   */
  when?: (body: unknown) => boolean;
}

/** A route with its types erased, as the router stores it. */
export type AnyRoute = Route<TSchema | undefined, TSchema | undefined, TSchema | undefined>;

/** Declares a route, keeping the handler's input types tied to its schemas. */
export function defineRoute<
  TB extends TSchema | undefined = undefined,
  TQ extends TSchema | undefined = undefined,
  TP extends TSchema | undefined = undefined,
>(route: Route<TB, TQ, TP>): AnyRoute {
  return route as unknown as AnyRoute;
}

/** The end user of a `user` route. */
export function userOf(ctx: { principal: Principal | null }): UserPrincipal {
  if (ctx.principal?.kind !== 'user') throw new Error('route declared auth: user');
  return ctx.principal;
}

/** The service of a `key` route. */
export function serviceOf(ctx: { principal: Principal | null }): ServicePrincipal {
  if (ctx.principal?.kind !== 'service') throw new Error('route declared auth: key');
  return ctx.principal;
}

/** A route declared without the tag and caller its group shares. */
export type GroupRoute<
  TB extends TSchema | undefined = undefined,
  TQ extends TSchema | undefined = undefined,
  TP extends TSchema | undefined = undefined,
> = Omit<Route<TB, TQ, TP>, 'tag' | 'auth'>;

/**
 * Declares routes that share a tag and who may call them, e.g.
 * `const route = routeGroup('sending', { kind: 'key', scope: 'notifications:send' })`.
 */
export function routeGroup(tag: string, auth: AuthRequirement) {
  return <
    TB extends TSchema | undefined = undefined,
    TQ extends TSchema | undefined = undefined,
    TP extends TSchema | undefined = undefined,
  >(
    route: GroupRoute<TB, TQ, TP>,
  ): AnyRoute => defineRoute<TB, TQ, TP>({ ...route, tag, auth });
}
