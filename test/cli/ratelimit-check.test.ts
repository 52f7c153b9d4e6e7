import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliAgainst, cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const io = cliIO;

t.test('notifyd ratelimit check and status against a real server', async (t) => {
  const s = await startServer(t);
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = io(env);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };
  await run('policy create --name api --limit 2/minute --scope user'.split(' '));
  const first = await run('ratelimit check --scope user --id u1 --policy api'.split(' '));
  t.match(first.out(), /^Allowed\n/);
  t.match(first.out(), /api\s+user\s+sliding_window\s+1\/2\s+1/);
  await run('ratelimit check --scope user --id u1 --policy api'.split(' '));
  const limited = await run('ratelimit check --scope user --id u1 --policy api --json'.split(' '));
  t.match(JSON.parse(limited.out()), { allowed: false, is_limited: true, policy: 'api' });
  const dry = await run('ratelimit check --scope user --id u2 --policy api --dry-run'.split(' '));
  t.match(dry.out(), /^Allowed/);
  const status = await run('ratelimit status user u2 --policy api --json'.split(' '));
  t.match(JSON.parse(status.out()), { used: 0, remaining: 2 }, 'the dry run counted nothing');
  const byRules = await run('ratelimit status api_key key_x'.split(' '));
  t.match(byRules.out(), /default\s+api_key/);

  const badScope = await run('ratelimit check --scope planet --id x'.split(' '), 1);
  t.match(badScope.err(), /--scope must be one of/);
  const badCost = await run('ratelimit check --scope user --id x --cost -3'.split(' '), 1);
  t.match(badCost.err(), /--cost/);
  const noId = await run('ratelimit check --scope user'.split(' '), 1);
  t.match(noId.err(), /--id is required/);
  const missing = await run('ratelimit check --scope user --id x --policy nope'.split(' '), 1);
  t.match(missing.err(), /POLICY_NOT_FOUND|No such rate-limit policy/);
  const tooBig = await run(
    'ratelimit check --scope user --id u3 --policy api --cost 70'.split(' '),
    1,
  );
  t.match(
    tooBig.err(),
    /COST_EXCEEDS_LIMIT \(422\): A cost of 70 exceeds the limit of policy "api" \(2 per 60 s\): a request costing more than 2 is never allowed\./,
  );
  const untouched = await run('ratelimit status user u3 --policy api --json'.split(' '));
  t.match(JSON.parse(untouched.out()), { used: 0 }, 'the refused check counted nothing');
});

t.test('ratelimit status heads its table with what the LIMITED column says', async (t) => {
  const s = await startServer(t);
  const run = cliAgainst(t, s.url);
  await run('policy create --name tight --limit 1/minute --scope user'.split(' '));
  t.match(await run('ratelimit status user u9 --policy tight'.split(' ')), /^Not limited/);
  const used = await run('ratelimit check --scope user --id u9 --policy tight'.split(' '));
  t.match(used.split('\n')[0], /^Allowed.*now limited/, 'the request that used the last unit');
  const now = await run('ratelimit status user u9 --policy tight'.split(' '));
  t.match(now, /^Limited/, 'the heading agrees with the row');
  t.match(now, /yes \(retry in \d+s\)/);
  t.notMatch(now, /^Allowed/);
});
