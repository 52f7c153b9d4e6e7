import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

/** The built binary: process tests run what users run (`npm test` builds first). */
export const BIN = fileURLToPath(new URL('../../bin/notifyd.js', import.meta.url));

export interface Daemon {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `startDaemon`, killed (SIGKILL) when the test `t` ends. */
export async function daemonFor(
  t: Test,
  env: Record<string, string>,
  args: string[] = [],
  cwd?: string,
): Promise<Daemon> {
  const daemon = await startDaemon(env, args, cwd);
  t.teardown(() => {
    daemon.child.kill('SIGKILL');
  });
  return daemon;
}

/** Starts `notifyd serve` in a child process and resolves once it listens. */
export function startDaemon(
  env: Record<string, string>,
  args: string[] = [],
  cwd?: string,
): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    ...(cwd ? { cwd } : {}),
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      // Per-user caps hold the 101st in-app notification of an hour to one user, which the
      // bursts here pass by far; as in test/helpers/server.ts, the caps' own tests turn them on.
      NOTIFYD_NOTIFICATIONS__CAPS__ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Daemon['logs'] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    // A loaded CI machine (two cores, tap running two files at once) can take this long.
    const timer = setTimeout(() => {
      // A daemon that never said it listens must not outlive the test that started it.
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start: ${stderr}`));
    }, 60_000);
    child.stdout?.on('data', (d) => {
      buffered += d;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (typeof entry.port === 'number' && String(entry.msg).includes('listening')) {
            clearTimeout(timer);
            const port = entry.port;
            resolve({ child, port, url: `http://127.0.0.1:${port}`, logs, exited });
          }
        } catch {}
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before listening: ${stderr}`));
    });
  });
}
