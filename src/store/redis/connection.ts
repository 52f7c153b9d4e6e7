import type { Redis } from 'ioredis';
import { ioredis } from '../../redis/load.js';

export const DEFAULT_URL = 'redis://127.0.0.1:6379/0';
export const DEFAULT_PREFIX = 'notifyd:';

/** How to reach Redis and where in it the store keeps its keys. */
export interface RedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url?: string;
  /** Start of every key the store writes; several stores can share a database. */
  prefix?: string;
  /**
   * A client to use instead of opening one from `url`. It keeps its own options (the
   * fail-fast ones below are then the caller's choice) and close() leaves it open.
   */
  client?: Redis;
  /** How long one connection attempt may take, in ms. */
  connectTimeoutMs?: number;
  /** How long a call waits for Redis' reply before failing with STORE_UNAVAILABLE, in ms. */
  commandTimeoutMs?: number;
  /** Told once per outage when Redis cannot be reached (the default client logs nothing). */
  onWarning?: (message: string, err: unknown) => void;
}

/**
 * A client that fails fast and heals by itself: while disconnected, calls are refused at once
 * (no offline queue) instead of waiting; a call in flight when the connection drops fails
 * rather than being sent again (it may have run; a second run of an insert would collide);
 * a reply that never comes times out; and the client reconnects in the background, backing
 * off to one attempt every 2 s, for as long as the store is open.
 */
export function createRedisClient(options: RedisStoreOptions): Redis {
  return new (ioredis().Redis)(options.url ?? DEFAULT_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  });
}

/**
 * Reports the start of each outage to `onWarning`: a connection error, or a connection
 * that closed and is being made again (a server that drops us closes cleanly, with no
 * error). The error listener is always attached: without one, ioredis prints every failed
 * reconnection to the console. Returns a function that detaches the listeners.
 */
export function watchConnection(
  client: Redis,
  onWarning?: (message: string, err: unknown) => void,
): () => void {
  let down = false;
  const onError = (err: unknown) => {
    if (down) return;
    down = true;
    onWarning?.('Redis cannot be reached; store calls fail until it answers again.', err);
  };
  const onReconnecting = () => onError(new Error('The connection to Redis closed.'));
  const onReady = () => {
    down = false;
  };
  client.on('error', onError);
  client.on('reconnecting', onReconnecting);
  client.on('ready', onReady);
  return () => {
    client.off('error', onError);
    client.off('reconnecting', onReconnecting);
    client.off('ready', onReady);
  };
}
