import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { Principal } from '../auth/principal.js';
import { hasScope, type Scope } from '../auth/scopes.js';
import { type ChangeEvents, emitChange } from '../objects/change-events.js';
import type { Page } from '../objects/repository.js';
import { ListQuery, PageOf } from '../objects/schemas.js';
import type { Caller } from '../objects/tenancy.js';
import { errors } from './responses.js';
import {
  type AnyRoute,
  type Context,
  defineRoute,
  type In,
  type Reply,
  type Route,
  serviceOf,
} from './route.js';

/** The `:id` of an object route: an id, or a name where the kind has one. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** The caller as admin services see it; `admin` when the key holds `adminScope`. */
export function callerOf(ctx: { principal: Principal | null }, adminScope: Scope): Caller {
  const p = serviceOf(ctx);
  return {
    key_id: p.key_id,
    tenant_id: p.tenant_id,
    tenant_bound: p.tenant_bound,
    admin: hasScope(p.scopes, adminScope),
  };
}

/** A page as the API answers it: `data`, `page`, `per_page`, `total`. */
export interface PageBody<V> {
  data: V[];
  page: number;
  per_page: number;
  total: number;
}

/** A service's page, each item put in its view. */
export function pageBody<T, V>(
  page: { items: T[]; page: number; per_page: number; total: number },
  view: (o: T) => V,
): PageBody<V> {
  return {
    data: page.items.map(view),
    page: page.page,
    per_page: page.per_page,
    total: page.total,
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

/** Documented answers of a list route. */
export function listResponses(view: TSchema) {
  return {
    200: { description: 'One page, oldest first.', schema: PageOf(view) },
    ...errors(400, 401, 403),
  };
}

/** Documented answers of a delete route. */
export function deleteResponses(...codes: number[]) {
  return { 204: { description: 'Deleted.' }, ...errors(400, 401, 403, 404, ...codes) };
}

/** What an admin service offers for one kind (each verb optional); `D` is the stored object. */
export interface ObjectService<D, C, U, Q> {
  create?(caller: Caller, body: C): Promise<D>;
  list?(caller: Caller, query: Q): Promise<Page<D>>;
  get?(caller: Caller, idOrKey: string): Promise<D>;
  update?(caller: Caller, idOrKey: string, body: U): Promise<D>;
  remove?(caller: Caller, idOrKey: string): Promise<D>;
}

/** Where a kind's routes live, their tag and the scopes they need. */
export interface KindRoutes {
  /** The collection's path, e.g. `/api/v1/ratelimit/policies`. */
  base: string;
  tag: string;
  /** Reads need `read`; changes need `manage`; unbound keys with `admin` write global objects. */
  scopes: { read: Scope; manage: Scope; admin: Scope };
}

/**
 * A verb of the API: its summary and the statuses it answers besides 400, 401, 403 (and 404
 * on `:id`, 409 on an update, which may meet a version conflict).
 */
interface Verb {
  /** Unless given: `Create a {noun}`, `List {noun}s`, `Get a {noun}`, `Change a {noun}`, `Delete a {noun}`. */
  summary?: string;
  errors?: number[];
}

/** The summaries of the verbs that do not say their own, in the kind's noun. */
function defaultSummaries(noun: string) {
  const a = /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
  return {
    create: `Create ${a}`,
    list: `List ${noun}s`,
    get: `Get ${a}`,
    update: `Change ${a}`,
    remove: `Delete ${a}`,
  };
}

/**
 * The routes of one admin object kind under `base`, made from its service: `POST base`,
 * `GET base`, `GET|PATCH|DELETE base/:id` for each verb given, plus routes of the kind's own
 * (`collection` ones before the `:id` routes, so a fixed path such as `plans/assignments`
 * wins over `plans/:id`). Every verb gets the caller (tenant, binding, admin) and answers the
 * object's view.
 */
export interface ObjectRoutes<
  D,
  V extends TSchema,
  C extends TSchema,
  U extends TSchema,
  Q extends TSchema,
> extends KindRoutes {
  /** What one object is called in `The policy.`. */
  noun: string;
  /** The schema of one object's view, and how a stored object becomes it. */
  view: V;
  toView(o: D): Static<V>;
  service: ObjectService<D, Static<C>, Static<U>, Static<Q>>;
  /** The create answer when it is more than the view (a webhook's secret, shown once). */
  created?: { schema: TSchema; toView(o: D): unknown };
  create?: Verb & { body: C };
  /** `beside`: fields answered beside the page, from its objects (another API's list shape). */
  list?: Verb & { query?: Q; beside?(items: D[]): Record<string, unknown> };
  get?: Verb;
  update?: Verb & { body: U };
  /** `after` runs once the object is gone (e.g. forgetting what this node cached of it). */
  remove?: Verb & { after?(removed: D): void };
  /**
   * The bus events its create, update and delete emit, with the caller as `actor` (the
   * audit log is made of them); the kind's own routes emit theirs.
   */
  changes?: ChangeEvents<D>;
  /** Routes on the collection, registered before the `:id` routes. */
  collection?: AnyRoute[];
  /** Routes on one object (`base/:id/…`). */
  item?: AnyRoute[];
}

/** How each verb is served: its method, whether on `base/:id`, and the scope it needs. */
const VERBS = {
  create: { method: 'POST', onItem: false, access: 'manage' },
  list: { method: 'GET', onItem: false, access: 'read' },
  get: { method: 'GET', onItem: true, access: 'read' },
  update: { method: 'PATCH', onItem: true, access: 'manage' },
  remove: { method: 'DELETE', onItem: true, access: 'manage' },
} as const;

type VerbContext = Context<unknown, unknown, Static<typeof IdParams>>;

/** Builds the routes of one admin object kind. */
export function objectRoutes<
  D,
  V extends TSchema,
  C extends TSchema = TSchema,
  U extends TSchema = TSchema,
  Q extends TSchema = typeof ListQuery,
>(spec: ObjectRoutes<D, V, C, U, Q>): AnyRoute[] {
  const { base, tag, view, toView, service, scopes } = spec;
  const { create, list, get, update, remove } = service;
  const caller = (ctx: { principal: Principal | null }) => callerOf(ctx, scopes.admin);
  const summary = defaultSummaries(spec.noun);
  const { changes } = spec;
  /** Reports a change to the bus when the kind declares an event for it. */
  const changed = (verb: 'created' | 'updated' | 'deleted', o: D, by: Caller) => {
    const type = changes?.[verb];
    if (changes && type) emitChange(changes, type, o, by);
  };
  /** A verb's route: method, path and scope from `VERBS`, its summary or the default. */
  const verbRoute = (
    name: keyof typeof VERBS,
    given: Verb & { body?: TSchema; query?: TSchema },
    responses: AnyRoute['responses'],
    handler: (ctx: VerbContext) => Promise<Reply>,
  ): AnyRoute => {
    const { method, onItem, access } = VERBS[name];
    return defineRoute<TSchema | undefined, TSchema | undefined, typeof IdParams>({
      method,
      path: onItem ? `${base}/:id` : base,
      summary: given.summary ?? summary[name],
      tag,
      auth: { kind: 'key', scope: scopes[access] },
      ...(onItem ? { params: IdParams } : {}),
      ...(given.body ? { body: given.body } : {}),
      ...(given.query ? { query: given.query } : {}),
      responses,
      handler,
    });
  };
  const routes: AnyRoute[] = [];
  if (spec.create && create) {
    const created = spec.created;
    routes.push(
      verbRoute(
        'create',
        spec.create,
        oneResponses(201, 'Created.', created?.schema ?? view, ...(spec.create.errors ?? [])),
        async (ctx) => {
          const by = caller(ctx);
          const o = await create.call(service, by, ctx.body as Static<C>);
          changed('created', o, by);
          return { status: 201, body: created ? created.toView(o) : toView(o) };
        },
      ),
    );
  }
  if (spec.list && list) {
    const { beside } = spec.list;
    const given = { ...spec.list, query: spec.list.query ?? ListQuery };
    routes.push(
      verbRoute('list', given, listResponses(view), async (ctx) => {
        const page = await list.call(service, caller(ctx), ctx.query as Static<Q>);
        return { status: 200, body: { ...pageBody(page, toView), ...beside?.(page.items) } };
      }),
    );
  }
  routes.push(...(spec.collection ?? []));
  if (spec.get && get) {
    routes.push(
      verbRoute(
        'get',
        spec.get,
        oneResponses(200, `The ${spec.noun}.`, view, 404, ...(spec.get.errors ?? [])),
        async (ctx) => ({
          status: 200,
          body: toView(await get.call(service, caller(ctx), ctx.params.id)),
        }),
      ),
    );
  }
  if (spec.update && update) {
    routes.push(
      verbRoute(
        'update',
        spec.update,
        oneResponses(200, 'Changed.', view, 404, 409, ...(spec.update.errors ?? [])),
        async (ctx) => {
          const by = caller(ctx);
          const o = await update.call(service, by, ctx.params.id, ctx.body as Static<U>);
          changed('updated', o, by);
          return { status: 200, body: toView(o) };
        },
      ),
    );
  }
  if (spec.remove && remove) {
    const after = spec.remove.after;
    routes.push(
      verbRoute(
        'remove',
        spec.remove,
        deleteResponses(...(spec.remove.errors ?? [])),
        async (ctx) => {
          const by = caller(ctx);
          const removed = await remove.call(service, by, ctx.params.id);
          after?.(removed);
          changed('deleted', removed, by);
          return { status: 204 };
        },
      ),
    );
  }
  routes.push(...(spec.item ?? []));
  return routes;
}

/**
 * A route on one object of a kind, `base/:id/{action}`, given the kind's tag, the `:id` and
 * the caller; `access` says whether reading the kind is enough or it takes managing it.
 */
export function itemRoute<
  TB extends TSchema | undefined = undefined,
  TQ extends TSchema | undefined = undefined,
>(
  kind: KindRoutes,
  access: 'read' | 'manage',
  route: Omit<Route<TB, TQ, typeof IdParams>, 'path' | 'tag' | 'auth' | 'params' | 'handler'> & {
    action: string;
    handler(
      caller: Caller,
      ctx: Context<In<TB>, In<TQ>, Static<typeof IdParams>>,
    ): Promise<Reply> | Reply;
  },
): AnyRoute {
  const { action, handler, ...rest } = route;
  return defineRoute<TB, TQ, typeof IdParams>({
    ...rest,
    path: `${kind.base}/:id/${action}`,
    tag: kind.tag,
    auth: { kind: 'key', scope: kind.scopes[access] },
    params: IdParams,
    handler: (ctx) => handler(callerOf(ctx, kind.scopes.admin), ctx),
  });
}
