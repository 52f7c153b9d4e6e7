import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const io = cliIO;

t.test('keys create | list | revoke and send, against a real server', async (t) => {
  const s = await startServer(t);
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const create = io(env);
  t.equal(
    await runCli(
      ['keys', 'create', '--scope', 'notifications:send', '--name', 'backend'],
      create.io,
    ),
    0,
  );
  const key = create.out().trim();
  t.match(key, /^nk_[A-Za-z0-9_-]{32}$/, 'prints the key alone on stdout');
  t.match(create.err(), /only time it is shown/);

  const list = io(env);
  t.equal(await runCli(['keys', 'list'], list.io), 0);
  t.match(list.out(), /ID\s+NAME\s+PREFIX/);
  t.match(list.out(), /backend .*notifications:send .*active/);
  t.notMatch(list.out(), key);

  const json = io(env);
  t.equal(await runCli(['keys', 'list', '--json'], json.io), 0);
  const [record] = JSON.parse(json.out());

  const send = io({ NOTIFYD_URL: s.url, NOTIFYD_API_KEY: key });
  t.equal(
    await runCli(['send', '--to', 'alice', '--title', 'Hi', '--body', 'from the CLI'], send.io),
    0,
  );
  t.match(send.out(), /Accepted ntf_/);

  const revoke = io(env);
  t.equal(await runCli(['keys', 'revoke', record.id], revoke.io), 0);
  const again = io({ NOTIFYD_URL: s.url, NOTIFYD_API_KEY: key });
  t.equal(await runCli(['send', '--to', 'alice', '--title', 'Hi'], again.io), 1);
  t.match(again.err(), /^notifyd: UNAUTHORIZED \(401\): .*\n$/, 'one line, non-zero exit');
});

t.test('clear failures: bad scope, unreachable server, missing key', async (t) => {
  const bad = io({ NOTIFYD_URL: 'http://127.0.0.1:9', NOTIFYD_API_KEY: ADMIN_KEY });
  t.not(await runCli(['keys', 'create', '--scope', 'root', '--name', 'x'], bad.io), 0);
  t.match(bad.err(), /root/);
  const down = io({ NOTIFYD_URL: 'http://127.0.0.1:9', NOTIFYD_API_KEY: ADMIN_KEY });
  t.equal(await runCli(['keys', 'list'], down.io), 1);
  t.match(down.err(), /cannot reach http:\/\/127\.0\.0\.1:9/);
  const dir = t.testdir({});
  const nokey = io({ NOTIFYD_URL: 'http://127.0.0.1:9' });
  nokey.io.cwd = dir;
  t.equal(await runCli(['keys', 'list', '--config', `${dir}/none.yaml`], nokey.io), 1);
});
