import { Socket } from 'node:net';
import type { Test } from 'tap';

/** The real servers the Redis and Postgres suites talk to. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname, () => done(true));
  });
}

/**
 * Whether the suite can run against `name` at `url`. When the server does not answer,
 * the suite is skipped with a message saying so, except under CI=true, where that is a
 * failure: CI must never pass by skipping the real backends.
 */
async function requireService(t: Test, name: string, url: string, port: number) {
  if (await reachable(url, port)) return true;
  const why = `${name} is not reachable at ${url}`;
  if (process.env.CI === 'true') {
    t.fail(`${why}; CI=true requires it (start it, see README "Tests")`);
  } else {
    t.comment(`${why}: skipping (set CI=true to make this a failure)`);
    t.plan(0, why);
  }
  return false;
}

export const requireRedis = (t: Test) => requireService(t, 'Redis', REDIS_URL, 6379);
export const requirePostgres = (t: Test) => requireService(t, 'PostgreSQL', POSTGRES_URL, 5432);
