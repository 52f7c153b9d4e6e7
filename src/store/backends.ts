/**
 * Every store backend notifyd has an adapter for, and what each can do. Pure data: importing
 * it loads no adapter, so configuration, checks and the CLI can reason about backends without
 * naming one. The adapters themselves register in `registry.ts`.
 */

/** What a backend can do, as the rest of notifyd needs to know it. */
export interface BackendTraits {
  /** What it keeps survives a restart of notifyd. */
  durable: boolean;
  /** Several nodes can share it (cluster mode needs one). */
  shared: boolean;
  /** It keeps a versioned schema that `notifyd migrate` brings up to date. */
  schema: boolean;
  /**
   * Limiter state kept here would cost a write per request that a single node need not pay:
   * unless `store.ratelimit` names this backend, limiter state stays in the process.
   */
  limiterInProcess: boolean;
  /** It lives in this process: it cannot become unreachable. */
  inProcess: boolean;
}

export const STORE_BACKENDS = {
  sqlite: { durable: true, shared: false, schema: true, limiterInProcess: true, inProcess: false },
  memory: {
    durable: false,
    shared: false,
    schema: false,
    limiterInProcess: false,
    inProcess: true,
  },
  postgres: {
    durable: true,
    shared: true,
    schema: true,
    limiterInProcess: false,
    inProcess: false,
  },
  redis: { durable: true, shared: true, schema: false, limiterInProcess: false, inProcess: false },
} as const satisfies Record<string, BackendTraits>;

/** A store backend by name. */
export type StoreBackend = keyof typeof STORE_BACKENDS;

/** Backend names in the order the docs list them. */
export const BACKEND_NAMES = Object.keys(STORE_BACKENDS) as StoreBackend[];

/** The traits of a backend. */
export function traitsOf(backend: StoreBackend): BackendTraits {
  return STORE_BACKENDS[backend];
}
