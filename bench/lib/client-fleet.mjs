import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLIENT = fileURLToPath(new URL('./session-client.mjs', import.meta.url));

/**
 * `processes` session-client processes sharing `users` sessions (user-0 … user-<users-1>,
 * dealt out in contiguous ranges). `all(cmd, body)` sends a command to each and resolves to
 * their answers in order; `stop()` ends them. `pids` lets a CPU meter count them.
 */
export async function startFleet({ processes, users, channel }) {
  const children = [];
  const pending = new Map(); // child → { cmd, resolve }[]
  for (let i = 0; i < processes; i++) {
    const child = fork(CLIENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    pending.set(child, []);
    child.on('message', (msg) => {
      const queue = pending.get(child);
      const at = queue.findIndex((w) => w.cmd === msg.reply);
      if (at >= 0) queue.splice(at, 1)[0].resolve(msg);
    });
    child.on('exit', (code) => {
      for (const w of pending.get(child).splice(0)) {
        w.reject(new Error(`session client exited (${code}) during ${w.cmd}`));
      }
    });
    children.push(child);
  }
  const ask = (child, cmd, body = {}) =>
    new Promise((resolve, reject) => {
      pending.get(child).push({ cmd, resolve, reject });
      child.send({ cmd, ...body });
    });
  const share = Math.ceil(users / processes);
  const ranges = children.map((_, i) => [
    Math.min(users, i * share),
    Math.min(users, (i + 1) * share),
  ]);
  await Promise.all(
    children.map((child, i) => ask(child, 'prepare', { users: ranges[i], channel })),
  );
  return {
    pids: children.map((c) => c.pid),
    ranges,
    all: (cmd, body) => Promise.all(children.map((child) => ask(child, cmd, body))),
    each: (cmd, bodyOf) => Promise.all(children.map((child, i) => ask(child, cmd, bodyOf(i)))),
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', resolve);
              child.send({ cmd: 'stop' });
            }),
        ),
      );
    },
  };
}
