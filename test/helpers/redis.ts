import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** SCAN's MATCH is a glob: escape a prefix so only keys starting with it match. */
export function globOf(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/** Every key starting with `prefix`, found with SCAN (never KEYS). */
export async function keysWithPrefix(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', globOf(prefix), 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Deletes every key starting with `prefix` (a test's clean-up). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    const keys = await keysWithPrefix(client, prefix);
    for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}

/**
 * A private redis-server for tests that must kill or reconfigure Redis (persistence,
 * kill -9) without touching the one other tests share. Its data lives in `dir`, so a
 * restart on the same `dir` reloads what it persisted.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly args: string[] = ['--appendonly', 'yes', '--appendfsync', 'always'],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    this.child = spawn('redis-server', [...args, '--save', '', ...this.args], {
      stdio: 'ignore',
    });
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
    for (let i = 0; i < 100; i++) {
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') break;
      } catch {
        client.disconnect();
        await sleep(50);
      }
    }
    client.disconnect();
  }

  /** Ends it as a crash would: no chance to write anything more. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
