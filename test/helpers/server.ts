import { SignJWT } from 'jose';
import type { Test } from 'tap';
import WebSocket from 'ws';
import { type DeepPartial, loadConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/options.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import { createServer, type NotifydServer, type ServerDeps } from '../../src/server/app.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';

export const ADMIN_KEY = 'nk_test_admin_key_0123456789abcdef';
export const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

export type Overrides = DeepPartial<Config>;

export interface Running {
  url: string;
  wsUrl: string;
  port: number;
  server: NotifydServer;
  store: Store;
  config: Config;
  /** fetch with the admin key (or `key`) and JSON body. */
  api(method: string, path: string, body?: unknown, key?: string): Promise<ApiResponse>;
  /** An end-user token for `user`, issued at the server's clock time. */
  token(user: string, tenant?: string): Promise<string>;
  /** fetch as an end user with a JWT for `user`. */
  asUser(
    user: string,
    method: string,
    path: string,
    body?: unknown,
    tenant?: string,
  ): Promise<ApiResponse>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
  body: any;
}

/** Signs an end-user token with the test secret. */
export async function userToken(
  sub: string,
  opts: {
    tenant?: string;
    expiresIn?: string | number;
    secret?: string;
    claims?: Record<string, unknown>;
    /** Issued at this time (ms) instead of now: a server on a fake clock checks iat by it. */
    at?: number;
  } = {},
): Promise<string> {
  const iat = Math.floor((opts.at ?? Date.now()) / 1000);
  const exp = opts.expiresIn ?? '1h';
  const jwt = new SignJWT({ ...(opts.tenant ? { tenant_id: opts.tenant } : {}), ...opts.claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(typeof exp === 'number' ? exp : iat + secondsOf(exp));
  return jwt.sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET));
}

/** `'1h'`, `'30m'`, `'10s'` → seconds. */
function secondsOf(span: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(span);
  if (!m) throw new Error(`a test token lifetime like '1h', not '${span}'`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

async function call(url: string, method: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Starts a real server on a free loopback port; it stops when the test ends. */
export async function startServer(
  t: Test,
  overrides: Overrides = {},
  store: Store = createMemoryStore(),
  /** A fake clock, a logger to read what the server logged, a sink for rate-limit events. */
  deps: Pick<ServerDeps, 'onRateLimitEvent' | 'clock' | 'providers' | 'routing'> & {
    logger?: Logger;
  } = {},
): Promise<Running> {
  const config = loadConfig({
    env: {},
    overrides: {
      ...overrides,
      server: { host: '127.0.0.1', port: 0, ...overrides.server },
      auth: {
        admin_key: ADMIN_KEY,
        bootstrap_key_file: '',
        ...overrides.auth,
        jwt: { secret: JWT_SECRET, ...overrides.auth?.jwt },
      },
      log: { level: 'silent', ...overrides.log },
      // Per-user caps defer the 11th push of an hour to one user, which tests that send a
      // lot to one recipient pass by far; the caps' own tests turn them on.
      notifications: {
        ...overrides.notifications,
        caps: { enabled: false, ...overrides.notifications?.caps },
      } as Overrides['notifications'],
    },
  });
  const server = createServer(config, {
    store,
    ...deps,
    logger: deps.logger ?? createLogger({ level: config.log.level }),
  });
  const port = await server.listen();
  t.teardown(async () => {
    await server.close();
    await store.close();
  });
  const url = `http://127.0.0.1:${port}`;
  const token = (user: string, tenant?: string) =>
    userToken(user, {
      ...(tenant ? { tenant } : {}),
      ...(deps.clock ? { at: deps.clock.now() } : {}),
    });
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/ws`,
    port,
    server,
    store,
    config,
    api: (method, path, body, key = ADMIN_KEY) =>
      call(`${url}${path}`, method, { authorization: `Bearer ${key}` }, body),
    token,
    asUser: async (user, method, path, body, tenant) =>
      call(`${url}${path}`, method, { authorization: `Bearer ${await token(user, tenant)}` }, body),
  };
}

/** A WebSocket client that records every frame, with a way to wait for the next of a type. */
export interface WsClient {
  ws: WebSocket;
  // biome-ignore lint/suspicious/noExplicitAny: frames are whatever JSON the server sent
  frames: Array<{ type: string; data?: any; [k: string]: unknown }>;
  /** The first frame of this type not yet returned, waiting for it if needed. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  next(type: string, timeoutMs?: number): Promise<any>;
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

export function connect(
  t: Test,
  url: string,
  protocols?: string[],
  /** Upgrade request headers (e.g. Authorization: Bearer, as Ara's clients send it). */
  headers?: Record<string, string>,
): Promise<WsClient> {
  const ws = new WebSocket(url, protocols, headers ? { headers } : {});
  const frames: WsClient['frames'] = [];
  const waiters: Array<{ type: string; resolve: (f: unknown) => void }> = [];
  const consumed = new Set<object>();
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString());
    frames.push(frame);
    const i = waiters.findIndex((w) => w.type === frame.type);
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      consumed.add(frame);
      w!.resolve(frame);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  t.teardown(() => ws.terminate());
  const client: WsClient = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    next(type, timeoutMs = 5000) {
      const already = frames.find((f) => f.type === type && !consumed.has(f));
      if (already) {
        consumed.add(already);
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${type} frame in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}
