/**
 * The Ara compatibility suite's harness: a notifyd with `compat.ara.enabled` on SQLite or
 * Redis, and clients that speak only what Ara's API reference documents (X-API-Key; JWT in
 * the query or an Authorization header; Ara's frames).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { type DeepPartial, loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/options.js';
import type { Clock } from '../../../src/core/clock.js';
import { openStore } from '../../../src/store/index.js';
import { deleteKeys } from '../../helpers/redis.js';
import { ADMIN_KEY, connect, type Running, startServer, userToken } from '../../helpers/server.js';
import { REDIS_URL, requireRedis } from '../../helpers/services.js';

export type Backend = 'sqlite' | 'redis';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the server sent
type Json = any;

export interface AraServer extends Running {
  /** An Ara HTTP call: X-API-Key and a JSON body. */
  ara(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** A user's JWT as Ara's backends issue them (sub, optional claims). */
  jwt(user: string, claims?: Record<string, unknown>): Promise<string>;
  base: string;
}

/** Runs `body` once per backend, each with its own store. */
export function onBackends(
  t: Test,
  name: string,
  body: (t: Test, backend: Backend) => Promise<void>,
) {
  for (const backend of ['sqlite', 'redis'] as const) {
    t.test(`${name} (${backend})`, async (t) => {
      if (backend === 'redis' && !(await requireRedis(t))) return;
      await body(t, backend);
    });
  }
}

export async function startAra(
  t: Test,
  backend: Backend,
  overrides: DeepPartial<Config> = {},
  clock?: Clock,
): Promise<AraServer> {
  const store: DeepPartial<Config['store']> =
    backend === 'sqlite'
      ? { backend, sqlite: { path: join(mkdtempSync(join(tmpdir(), 'notifyd-ara-')), 'n.db') } }
      : {
          backend,
          redis: {
            url: REDIS_URL,
            prefix: `notifyd-ara:${process.pid}:${Math.random().toString(36).slice(2)}:`,
          },
        };
  if (backend === 'redis') t.teardown(() => deleteKeys(REDIS_URL, store.redis!.prefix!));
  // Ara's standard production settings: QUEUE_ENABLED=true, ACK_ENABLED=true.
  const realtime = {
    ...overrides.realtime,
    queue: { enabled: true, ...overrides.realtime?.queue },
    ack: { enabled: true, ...overrides.realtime?.ack },
  };
  const config = {
    ...overrides,
    realtime,
    store,
    compat: { ara: { enabled: true, ...overrides.compat?.ara } },
  };
  const opened = await openStore(loadConfig({ env: {}, overrides: { store } }).store);
  const s = await startServer(t, config, opened, clock ? { clock } : {});
  const base = s.url;
  return {
    ...s,
    base,
    async ara(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          'x-api-key': ADMIN_KEY,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    jwt: (user, claims) =>
      userToken(user, { ...(claims ? { claims } : {}), ...(clock ? { at: clock.now() } : {}) }),
  };
}

/** A WebSocket client of Ara's protocol (JWT in the query, or `Authorization` in headers). */
export const araSocket = (t: Test, url: string, headers?: Record<string, string>) =>
  connect(t, url, undefined, headers);

/** `user`'s WebSocket at Ara's `/ws`, its JWT in the query (Ara's first way). */
export async function araWs(t: Test, s: AraServer, user: string, claims?: Record<string, unknown>) {
  return araSocket(t, `${s.base.replace('http', 'ws')}/ws?token=${await s.jwt(user, claims)}`);
}
