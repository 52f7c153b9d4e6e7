import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { daemonFor } from '../helpers/process.js';

const HOOK = fileURLToPath(new URL('./fixtures/loaded-modules.mjs', import.meta.url));

/** The packages an idle daemon on the SQLite default has loaded. */
async function loadedPackages(t: Test): Promise<Set<string>> {
  const dir = mkdtempSync(join(tmpdir(), 'notifyd-idle-'));
  const out = join(dir, 'loaded.json');
  const daemon = await daemonFor(
    t,
    { NODE_OPTIONS: `--import=${HOOK}`, LOADED_MODULES_OUT: out, NOTIFYD_LOG_LEVEL: 'warn' },
    [],
    dir,
  );
  daemon.child.kill('SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 25));
  const paths = JSON.parse(readFileSync(out, 'utf8')) as string[];
  return new Set(
    paths.flatMap((p) => {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p);
      return m ? [m[1] as string] : [];
    }),
  );
}

t.test(
  'an idle daemon on SQLite loads no driver or provider library it does not use',
  async (t) => {
    const loaded = await loadedPackages(t);
    t.ok(loaded.has('better-sqlite3'), 'the list sees CommonJS packages loaded from ES modules');
    t.ok(loaded.has('uWebSockets.js'), 'and the server');
    for (const name of [
      'ioredis',
      'pg',
      'liquidjs',
      'web-push',
      'firebase-admin',
      'twilio',
      'nodemailer',
      'pdfkit',
      'cron-parser',
    ]) {
      t.notOk(loaded.has(name), `${name} is not loaded until used`);
    }
  },
);
