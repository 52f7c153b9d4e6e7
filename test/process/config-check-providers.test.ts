/**
 * `notifyd config check` as a process: it loads the configured provider plugins and checks
 * their options, so a bad plugin or option is found before `serve`, named with the provider.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { BIN } from '../helpers/process.js';

const run = promisify(execFile);
const PLUGIN = resolve(import.meta.dirname, 'fixtures/sms-plugin.mjs');

async function configCheck(cwd: string, env: Record<string, string> = {}) {
  return run(process.execPath, [BIN, 'config', 'check', '--config', 'notifyd.yaml'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout, err: stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout,
      err: e.stderr,
    }),
  );
}

const yaml = (lines: string[]) => ({ 'notifyd.yaml': `${lines.join('\n')}\n` });

t.test('good providers load: config OK with how many', async (t) => {
  const dir = t.testdir(
    yaml([
      'providers:',
      '  - { use: console, channel: email }',
      `  - { use: "${PLUGIN}", channel: sms, name: sms-main, options: { region: eu } }`,
    ]),
  );
  const check = await configCheck(dir);
  t.equal(check.code, 0, check.err);
  t.match(check.out, /^config OK: .*notifyd\.yaml \(2 providers loaded\)\n$/);
});

t.test('a bad option is named with the provider and the option; exit non-zero', async (t) => {
  const dir = t.testdir(
    yaml([
      'providers:',
      '  sms:',
      `    - { name: sms-main, plugin: "${PLUGIN}", options: { region: 7 } }`,
    ]),
  );
  const check = await configCheck(dir);
  t.equal(check.code, 1);
  t.equal(check.out, '');
  t.match(
    check.err,
    /config invalid: provider "sms-main" \(providers\.sms\[0\], plugin .*sms-plugin\.mjs\): options\.region must be string/,
  );
});

t.test('a built-in with a wrong option, a missing plugin, a missing variable', async (t) => {
  const smtp = await configCheck(
    t.testdir(
      yaml(['providers:', '  - { use: smtp, channel: email, name: mail, options: { hots: x } }']),
    ),
  );
  t.equal(smtp.code, 1);
  t.match(smtp.err, /provider "mail" \(providers\.email\[0\], plugin smtp\): options/);

  const missing = await configCheck(
    t.testdir(yaml(['providers:', '  - { use: "@acme/notifyd-nothing", channel: chat }'])),
  );
  t.equal(missing.code, 1);
  t.match(
    missing.err,
    /provider "@acme\/notifyd-nothing" .*cannot be loaded: no built-in plugin and no package/,
  );

  const env = await configCheck(
    t.testdir(
      yaml([
        'providers:',
        `  - { use: "${PLUGIN}", channel: sms, options: { auth_token: "\${SMS_TOKEN}" } }`,
      ]),
    ),
  );
  t.equal(env.code, 1);
  t.match(env.err, /environment variable SMS_TOKEN, which is not set/);
});
