import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

/** One POST the receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: the envelope as JSON
  body: any;
  /** Date.now() when it arrived. */
  at: number;
}

/** What to answer: a status (and headers, perhaps after a delay), or `hang` to never answer. */
export type Answer =
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  | 'hang';

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  received: Received[];
  /** Decides each answer; by default 200. `n` counts requests to that path, from 1. */
  answer: (path: string, n: number) => Answer;
  /** The next request to `path` not yet returned by `next`, waiting for it if needed. */
  next(path: string, timeoutMs?: number): Promise<Received>;
  /** Every request to `path` so far. */
  at(path: string): Received[];
  /** Drops the connections of the requests answered `hang` so far. */
  release(): void;
}

/**
 * A webhook receiver on loopback, as a subscriber would write one: node:http, reading the
 * raw body. It stops when the test ends.
 */
export async function startReceiver(t: Test): Promise<Receiver> {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  const taken = new Set<Received>();
  const waiters: Array<{ path: string; resolve: (r: Received) => void }> = [];
  const hanging: Array<() => void> = [];
  const receiver: Receiver = {
    url: '',
    received,
    answer: () => ({ status: 200 }),
    at: (path) => received.filter((r) => r.path === path),
    release() {
      for (const stop of hanging.splice(0)) stop();
    },
    next(path, timeoutMs = 5000) {
      const ready = received.find((r) => r.path === path && !taken.has(r));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`nothing at ${path} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          path,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        path,
        headers: req.headers,
        raw,
        body: JSON.parse(raw),
        at: Date.now(),
      };
      received.push(r);
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const answer = receiver.answer(path, n);
      const i = waiters.findIndex((w) => w.path === path);
      if (i >= 0) {
        taken.add(r);
        waiters.splice(i, 1)[0]!.resolve(r);
      }
      if (answer === 'hang') {
        hanging.push(() => res.destroy());
        return;
      }
      const reply = () => res.writeHead(answer.status, answer.headers).end('{}');
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        receiver.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return receiver;
}

/**
 * Checks `x-notifyd-signature` as the README tells receivers to: HMAC-SHA256 of
 * `<t>.<raw body>` with the secret, compared in constant time, and `t` recent.
 */
export function signatureValid(r: Received, secret: string, toleranceS = 300): boolean {
  const header = String(r.headers['x-notifyd-signature'] ?? '');
  const parts = Object.fromEntries(
    header.split(',').map((p) => p.split('=', 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceS || !parts.v1) {
    return false;
  }
  const expected = createHmac('sha256', secret).update(`${t}.${r.raw}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
