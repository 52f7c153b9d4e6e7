import type { Test } from 'tap';
import { runCli } from '../../src/cli/program.js';
import { ADMIN_KEY } from './server.js';

/** What `runCli` writes, captured: the io to hand it, and the text written to each stream. */
export function cliIO(env: Record<string, string> = {}, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env,
      cwd,
    },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/**
 * `notifyd ARGS` against the server at `url` with the admin key: asserts that it exits 0
 * (naming the command and its stderr otherwise) and resolves to what it printed.
 */
export function cliAgainst(t: Test, url: string): (args: string[]) => Promise<string> {
  const env = { NOTIFYD_URL: url, NOTIFYD_API_KEY: ADMIN_KEY };
  return async (args) => {
    const r = cliIO(env);
    t.equal(await runCli(args, r.io), 0, `notifyd ${args.join(' ')} ${r.err()}`);
    return r.out();
  };
}
