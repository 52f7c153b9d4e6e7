import { NotifydError } from '../core/errors.js';
import type { StoreBackend } from './backends.js';
import { storeUnavailable } from './errors.js';
import { type Placement, STORE_CONCERNS } from './placement.js';
import type { Store, StoreConcern, StoreConcerns } from './types.js';

/** A store that may still be connecting: calls reject with STORE_UNAVAILABLE until it is open. */
export interface ConnectingStore extends Store {
  /** Resolves once the backend is open; rejects if opening failed for a reason retrying cannot fix. */
  readonly ready: Promise<void>;
  /**
   * Settles after the first attempt: true when it opened the backend, false when it will
   * retry; rejects when that attempt failed for a reason retrying cannot fix.
   */
  readonly firstAttempt: Promise<boolean>;
}

export interface ConnectOptions {
  /** The backend's name, known before it is open. */
  backend: StoreBackend;
  /** Which backend serves each concern, known before it is open; default: all on `backend`. */
  placement?: Placement;
  /**
   * A store already open in this process (limiter state kept in memory): the concerns the
   * placement puts on its backend are served from it at once. It closes with this store.
   */
  local?: Store;
  /** First delay between attempts; it doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs: number;
  /** Hears each failed attempt and when the next one is due. */
  onRetry?: (err: unknown, delayMs: number, attempt: number) => void;
}

/** Whether an open failure may go away by itself (the server is down), so retrying is worth it. */
function retryable(err: unknown): boolean {
  return err instanceof NotifydError && err.code === 'STORE_UNAVAILABLE';
}

/**
 * Forwards every method of a store concern to the open backend, or rejects with
 * STORE_UNAVAILABLE while there is none. The concern interfaces hold only methods.
 */
function forward<T extends object>(target: () => T | null): T {
  return new Proxy({} as T, {
    get(_empty, name) {
      return (...args: unknown[]) => {
        const concern = target();
        if (!concern) return Promise.reject(storeUnavailable());
        const method = Reflect.get(concern, name) as (...a: unknown[]) => unknown;
        return method.apply(concern, args);
      };
    },
  });
}

/**
 * Opens a store in the background, so that notifyd can listen (and say it is not ready)
 * while its database or Redis is still down. Attempts that fail with STORE_UNAVAILABLE are
 * retried with doubling delays; any other failure (a schema newer than this notifyd, a
 * missing native module) ends the attempts and rejects `ready`.
 */
export function connectStore(open: () => Promise<Store>, opts: ConnectOptions): ConnectingStore {
  let inner: Store | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let attempt: Promise<void> | null = null;
  let first = true;
  let reportFirst: (opened: boolean) => void = () => {};
  let failFirst: (err: unknown) => void = () => {};
  const firstAttempt = new Promise<boolean>((resolve, reject) => {
    reportFirst = resolve;
    failFirst = reject;
  });
  firstAttempt.catch(() => {});

  const ready = new Promise<void>((resolve, reject) => {
    let delay = opts.initialDelayMs ?? 500;
    let tries = 0;
    const tryOpen = () => {
      timer = null;
      tries++;
      attempt = open().then(
        async (store) => {
          if (closed) return store.close();
          inner = store;
          first = false;
          reportFirst(true);
          resolve();
        },
        (err: unknown) => {
          const wasFirst = first;
          first = false;
          if (closed) return reportFirst(false);
          if (!retryable(err)) {
            if (wasFirst) failFirst(err);
            return reject(err);
          }
          reportFirst(false);
          opts.onRetry?.(err, delay, tries);
          timer = setTimeout(tryOpen, delay);
          delay = Math.min(delay * 2, opts.maxDelayMs);
        },
      );
    };
    tryOpen();
  });
  // A caller that never awaits `ready` must not crash the process with an unhandled rejection.
  ready.catch(() => {});

  const { local, placement } = opts;
  const backendOf = (concern: StoreConcern) => placement?.[concern] ?? opts.backend;
  const concern = <C extends StoreConcern>(name: C): StoreConcerns[C] =>
    local && backendOf(name) === local.backend
      ? local[name]
      : forward(() => (inner ? inner[name] : null));
  const concerns = Object.fromEntries(
    STORE_CONCERNS.map((name) => [name, concern(name)]),
  ) as unknown as StoreConcerns;
  return {
    backend: opts.backend,
    ready,
    firstAttempt,
    ...concerns,
    backendOf,
    async ping() {
      if (!inner) throw storeUnavailable();
      await inner.ping();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await attempt;
      // The opened store includes the local one and closes it; otherwise it is ours to close.
      await (inner ?? local)?.close();
    },
  };
}
