import type { Logger } from '../core/logger.js';
import type { StoreBackend } from './backends.js';
import { composeStore } from './compose.js';
import { type ConnectingStore, type ConnectOptions, connectStore } from './connecting.js';
import { backendsOf, type Placement, placeConcerns } from './placement.js';
import { adapterOf, type StoreSettings } from './registry.js';
import type { Store } from './types.js';

export type { StoreSettings } from './registry.js';

/** The backend that needs no connection: state in this process. */
const IN_PROCESS: StoreBackend = 'memory';

/**
 * Opens the configured store: each backend the placement uses (see placement.ts) once, in
 * turn, the main one first; a backend that cannot open closes those opened before it.
 * `given` are backends already open (they are used, and not closed on failure).
 */
async function openPlaced(
  settings: StoreSettings,
  placement: Placement,
  logger?: Logger,
  given?: Store,
): Promise<Store> {
  const opened = new Map<StoreBackend, Store>();
  try {
    for (const backend of backendsOf(settings.backend, placement)) {
      const store =
        backend === given?.backend ? given : await adapterOf(backend).open(settings, logger);
      opened.set(backend, store);
    }
  } catch (err) {
    await Promise.all([...opened.values()].filter((s) => s !== given).map((s) => s.close()));
    throw err;
  }
  return composeStore(settings.backend, placement, opened);
}

/**
 * Opens the configured store: `store.backend` for everything, except the concerns placed
 * elsewhere (`store.ratelimit`, `store.queues`, limiter state kept in this process). Adapters
 * are imported only when chosen, so an install that never uses SQLite never loads its native
 * module. Rejects with STORE_UNAVAILABLE when a backend cannot be reached (worth retrying),
 * with another error when it cannot work.
 */
export function openStore(settings: StoreSettings, logger?: Logger): Promise<Store> {
  return openPlaced(settings, placeConcerns(settings), logger);
}

/**
 * Opens the configured store in the background (connecting.ts), retrying while it cannot be
 * reached. State kept in this process (limiter state on SQLite) needs no connection: it
 * serves at once, as it would with the store up.
 */
export async function connectConfiguredStore(
  settings: StoreSettings,
  logger: Logger,
  retry: Pick<ConnectOptions, 'maxDelayMs' | 'onRetry'>,
): Promise<ConnectingStore> {
  const placement = placeConcerns(settings);
  const local = Object.values(placement).includes(IN_PROCESS)
    ? await adapterOf(IN_PROCESS).open(settings, logger)
    : undefined;
  return connectStore(() => openPlaced(settings, placement, logger, local), {
    ...retry,
    backend: settings.backend,
    placement,
    ...(local ? { local } : {}),
  });
}
