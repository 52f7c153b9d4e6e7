import { join } from 'node:path';
import type { Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { FakeClock } from '../../src/core/clock.js';
import type { StoreBackend } from '../../src/store/backends.js';
import { openStore } from '../../src/store/index.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { deleteKeys } from '../helpers/redis.js';
import { type Overrides, type Running, startServer } from '../helpers/server.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';

/** The backends every recipients test runs on; the durable ones join where said. */
export const BACKENDS = ['memory', 'sqlite'] as const;

export type Server = Running & { clock: FakeClock };

/**
 * A real server on port 0 over a fresh store of `backend` and a fake clock, or null when
 * that backend's server is not reachable (a failure under CI=true).
 */
export async function serverOn(
  t: Test,
  backend: StoreBackend,
  overrides: Overrides = {},
  clock = new FakeClock(Date.now()),
): Promise<Server | null> {
  const defaults = loadConfig({ env: {} }).store;
  let store = defaults;
  if (backend === 'sqlite') {
    store = {
      ...defaults,
      backend,
      sqlite: { ...defaults.sqlite, path: join(t.testdir(), 'n.db') },
    };
  } else if (backend === 'postgres') {
    if (!(await requirePostgres(t))) return null;
    const schema = uniqueSchema('notifyd_recipients');
    dropSchemaAfter(t, schema);
    store = { ...defaults, backend, postgres: { ...defaults.postgres, url: POSTGRES_URL, schema } };
  } else if (backend === 'redis') {
    if (!(await requireRedis(t))) return null;
    const prefix = `notifyd-test-recipients-${process.pid}-${Date.now()}:`;
    t.teardown(() => deleteKeys(REDIS_URL, prefix));
    store = { ...defaults, backend, redis: { ...defaults.redis, url: REDIS_URL, prefix } };
  } else {
    store = { ...defaults, backend };
  }
  const s = await startServer(t, overrides, await openStore(store), { clock });
  return { ...s, clock };
}

/** A request that must succeed; its body. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
export async function ok(s: Running, method: string, path: string, body?: unknown): Promise<any> {
  const res = await s.api(method, path, body);
  if (res.status >= 300)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Waits (real time, bounded) until a send request (a topic send) is no longer running. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
export async function settled(s: Running, requestId: string): Promise<any> {
  for (let i = 0; i < 400; i++) {
    const view = await ok(s, 'GET', `/api/v1/requests/${requestId}`);
    if (view.status !== 'running') return view;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`request ${requestId} still running after 10 s`);
}

/** A valid web push subscription's keys. */
export const KEYS = {
  p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url'),
  auth: Buffer.alloc(16, 9).toString('base64url'),
};
