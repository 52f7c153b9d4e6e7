import { type StoreBackend, traitsOf } from './backends.js';
import type { StoreSettings } from './registry.js';
import type { StoreConcern } from './types.js';

/** Every concern, once: a record, so that a concern added to `StoreConcerns` must be listed. */
const CONCERNS: Record<StoreConcern, true> = {
  notifications: true,
  deliveries: true,
  keys: true,
  counters: true,
  queues: true,
  objects: true,
  ratelimit: true,
  analytics: true,
  subscribers: true,
  devices: true,
  topicMembers: true,
  preferences: true,
  jobs: true,
  requests: true,
};

/** Every concern a store serves. */
export const STORE_CONCERNS = Object.keys(CONCERNS) as readonly StoreConcern[];

/** The backend that serves each concern. */
export type Placement = Readonly<Record<StoreConcern, StoreBackend>>;

/**
 * Where each concern lives: on `store.backend`, except the concerns given their own backend
 * (`store.ratelimit` for rate-limit counters and limiter state, `store.queues` for the
 * offline queue and ack tracking). Configuration objects are durable configuration: they
 * always stay on the main backend.
 *
 * Limiter state on a backend that would pay a write per request for it (SQLite:
 * `limiterInProcess`) stays in this process unless `store.ratelimit` names a backend. A
 * SQLite node is one node, with nobody to share a limit with, and a write transaction per
 * request would cost more than the rest of the request.
 */
export function placeConcerns(settings: StoreSettings): Placement {
  const main = settings.backend;
  const limits = settings.ratelimit || main;
  const inProcess = !settings.ratelimit && traitsOf(main).limiterInProcess;
  return {
    notifications: main,
    deliveries: main,
    keys: main,
    counters: limits,
    queues: settings.queues || main,
    objects: main,
    ratelimit: inProcess ? 'memory' : limits,
    analytics: main,
    subscribers: main,
    devices: main,
    topicMembers: main,
    preferences: main,
    jobs: main,
    requests: main,
  };
}

/** The backends a placement uses, each once: the main backend first. */
export function backendsOf(main: StoreBackend, placement: Placement): StoreBackend[] {
  return [...new Set([main, ...STORE_CONCERNS.map((concern) => placement[concern])])];
}
