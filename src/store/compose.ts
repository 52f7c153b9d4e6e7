import type { StoreBackend } from './backends.js';
import { type Placement, STORE_CONCERNS } from './placement.js';
import type { Store, StoreConcerns } from './types.js';

/**
 * One store over the backends of a placement: each concern from the backend placed to serve
 * it, the rest (what the main backend says of itself, e.g. its path) from the main one.
 * `ping` and `close` reach every backend. `opened` holds every backend the placement uses.
 */
export function composeStore(
  main: StoreBackend,
  placement: Placement,
  opened: ReadonlyMap<StoreBackend, Store>,
): Store {
  const storeOf = (backend: StoreBackend) => opened.get(backend) as Store;
  const all = [...opened.values()];
  if (all.length === 1) return all[0];
  const concerns = Object.fromEntries(
    STORE_CONCERNS.map((concern) => [concern, storeOf(placement[concern])[concern]]),
  ) as unknown as StoreConcerns;
  return {
    ...storeOf(main),
    ...concerns,
    backendOf: (concern) => placement[concern],
    async ping() {
      await Promise.all(all.map((s) => s.ping()));
    },
    async close() {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}
