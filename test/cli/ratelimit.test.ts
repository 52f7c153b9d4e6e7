import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliAgainst, cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const io = cliIO;

t.test('policy, rule, plan, bypass and adjust against a real server', async (t) => {
  const s = await startServer(t);
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = io(env);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };

  const created = await run(
    'policy create --name free --limit 100/minute --scope api_key --algorithm token_bucket --burst 20'.split(
      ' ',
    ),
  );
  t.match(created.out(), /^free \(rlp_\w+, default, version 1\)/);
  t.match(created.out(), /limit\s+100\/minute per api_key/);
  t.match(created.out(), /burst\s+20/);
  const json = JSON.parse((await run(['policy', 'get', 'free', '--json'])).out());
  t.match(json, {
    name: 'free',
    algorithm: 'token_bucket',
    limits: [{ scope: 'api_key', max_requests: 100, window_seconds: 60 }],
    burst: { max_burst: 20 },
  });

  await run([
    'policy',
    'create',
    '--name',
    'edge',
    '--limit',
    '10/s',
    '--limit',
    '500/30s',
    '--scope',
    'ip',
    '--per',
    'ip,endpoint',
    '--mode',
    'penalty_box',
    '--penalty-limit',
    '2',
    '--penalty-duration',
    '5m',
  ]);
  const edge = JSON.parse((await run(['policy', 'get', 'edge', '--json'])).out());
  t.same(
    edge.limits.map((l: { window_seconds: number; key: string[] }) => [l.window_seconds, l.key]),
    [
      [1, ['ip', 'endpoint']],
      [30, ['ip', 'endpoint']],
    ],
  );
  t.match(edge.throttle, {
    mode: 'penalty_box',
    penalty_max_requests: 2,
    penalty_duration_seconds: 300,
  });

  const list = await run(['policy', 'list']);
  t.match(list.out(), /NAME\s+ID\s+TENANT\s+LIMITS/);
  t.match(list.out(), /free .*100\/minute per api_key .*token_bucket/);
  t.match(list.out(), /edge .*10\/second per ip\+endpoint/);

  const updated = await run(['policy', 'update', 'free', '--limit', '200/hour', '--priority', '3']);
  t.match(updated.out(), /version 2/);
  t.match(updated.out(), /200\/hour per api_key/);

  const rule = JSON.parse(
    (
      await run([
        'rule',
        'create',
        '--policy',
        'free',
        '--target',
        'endpoint',
        '--value',
        '/api/v1/*',
        '--method',
        'POST',
        '--header',
        'x-client=web',
        '--plan',
        'pro',
        '--json',
      ])
    ).out(),
  );
  t.match(rule, {
    id: /^rlr_/,
    policy_id: json.id,
    method: 'POST',
    conditions: { plans: ['pro'], headers: { 'x-client': 'web' } },
  });
  const dup = await run(
    [
      'rule',
      'create',
      '--policy',
      'free',
      '--target',
      'endpoint',
      '--value',
      '/api/v1/*',
      '--method',
      'POST',
      '--header',
      'x-client=web',
      '--plan',
      'pro',
    ],
    1,
  );
  t.match(dup.err(), /^notifyd: RULE_CONFLICT \(409\): .*\n$/);
  t.match(
    (await run(['rule', 'list'])).out(),
    /endpoint=\/api\/v1\/\*; POST \*; plan pro; x-client: web/,
  );
  // `--policy` takes the name `rule create` took, not only the id (it used to list nothing).
  for (const policy of ['free', json.id]) {
    const byPolicy = JSON.parse((await run(['rule', 'list', '--policy', policy, '--json'])).out());
    t.same(
      byPolicy.data.map((r: { id: string }) => r.id),
      [rule.id],
      `rule list --policy ${policy}`,
    );
  }
  const edgeRules = JSON.parse((await run(['rule', 'list', '--policy', 'edge', '--json'])).out());
  t.same(edgeRules.data, [], 'a policy no rule applies lists none');
  const noSuch = await run(['rule', 'list', '--policy', 'no-such-policy'], 1);
  t.match(noSuch.err(), /^notifyd: POLICY_NOT_FOUND \(404\)/);
  t.match((await run(['rule', 'disable', rule.id])).out(), /Disabled rule .* disabled\./);
  t.match((await run(['rule', 'enable', rule.id])).out(), /enabled\./);

  const inUse = await run(['policy', 'delete', 'free'], 1);
  t.match(inUse.err(), /POLICY_IN_USE \(409\)/);

  t.match((await run(['plan', 'create', 'pro', '--policy', 'edge'])).out(), /Created plan pro/);
  t.match(
    (await run(['plan', 'assign', 'pro', '--api-key', 'key_123'])).out(),
    /Assigned plan pro to api_key key_123/,
  );
  t.match((await run(['plan', 'list'])).out(), /pro\s+pln_/);
  t.match((await run(['plan', 'list', '--assignments'])).out(), /api_key\s+key_123\s+pro/);
  t.match(
    (await run(['plan', 'remove', '--api-key', 'key_123'])).out(),
    /Removed plan assignment pla_/,
  );
  t.match((await run(['plan', 'assign', 'pro'], 1)).err(), /name one subject/);

  const by = await run([
    'bypass',
    'create',
    '--type',
    'ip',
    '--value',
    '10.0.0.0/8',
    '--reason',
    'office',
    '--expires-in',
    '2h',
  ]);
  t.match(by.out(), /Created bypass byp_\w+: ip 10\.0\.0\.0\/8 until /);
  const byList = await run(['bypass', 'list', '--active']);
  t.match(byList.out(), /ip\s+10\.0\.0\.0\/8\s+office\s+admin/);
  const byId = /byp_\w+/.exec(byList.out())![0];
  t.match((await run(['bypass', 'delete', byId])).out(), /Deleted bypass/);

  const adj = await run([
    'ratelimit',
    'adjust',
    '--rule',
    rule.id,
    '--limit',
    '500/minute',
    '--duration',
    '1h',
    '--reason',
    'launch',
  ]);
  t.match(adj.out(), /Adjusted rule rlr_\w+ to 500 per 60s until .* \(adj_\w+\)/);
  t.match(
    (
      await run(
        [
          'ratelimit',
          'adjust',
          '--rule',
          rule.id,
          '--limit',
          '5/s',
          '--duration',
          '1h',
          '--reason',
          'x',
        ],
        1,
      )
    ).err(),
    /ADJUSTMENT_ACTIVE \(409\)/,
  );
  t.match((await run(['ratelimit', 'adjust', '--list'])).out(), /adj_\w+\s+rlr_\w+\s+500\/60s/);
  const adjId = /adj_\w+/.exec(adj.out())![0];
  t.match((await run(['ratelimit', 'adjust', '--revert', adjId])).out(), /Reverted adj_/);

  await run(['rule', 'delete', rule.id]);
  t.match((await run(['policy', 'delete', 'free'])).out(), /Deleted policy free/);
});

t.test('the burst window and cooldown are sent, echoed and kept by updates', async (t) => {
  const s = await startServer(t);
  const run = cliAgainst(t, s.url);
  const created = await run(
    'policy create --name bursty --limit 100/minute --burst 20 --burst-window 30s --cooldown 2m'.split(
      ' ',
    ),
  );
  t.match(created, /burst\s+20 per 30s, cooldown 120s/);
  t.match(
    await run('policy create --name plain --limit 5/s --burst 3'.split(' ')),
    /burst\s+3 per each limit's window\n/,
  );

  // A detail alone changes that detail and keeps the rest (it used to be dropped).
  t.match(
    await run('policy update bursty --burst-window 10s'.split(' ')),
    /burst\s+20 per 10s, cooldown 120s/,
  );
  await run('policy update bursty --mode throttle --max-delay 200'.split(' '));
  const mode = await run('policy update bursty --max-delay 900'.split(' '));
  t.match(mode, /mode\s+throttle \(max delay 900 ms\)/);
  t.match(mode, /burst\s+20 per 10s, cooldown 120s/);
});

t.test('a token bucket is created from its size and refill rate, without --limit', async (t) => {
  const s = await startServer(t);
  const run = cliAgainst(t, s.url);
  const created = await run(
    'policy create --name bucket --algorithm token_bucket --bucket-size 20 --refill-rate 5 --initial-tokens 10 --scope ip'.split(
      ' ',
    ),
  );
  t.match(created, /^bucket \(rlp_\w+, default, version 1\)/);
  t.match(created, /algorithm\s+token_bucket \(refill 5\/s, bucket 20\)/);
  const json = JSON.parse(await run(['policy', 'get', 'bucket', '--json']));
  t.match(json, {
    algorithm: 'token_bucket',
    token_bucket: { refill_rate: 5, bucket_size: 20, initial_tokens: 10 },
    // The one limit the API takes: what the bucket counts per, and the bucket as a limit
    // (20 per the 4 s an empty one takes to refill) for the headers' window.
    limits: [{ scope: 'ip', max_requests: 20, window_seconds: 4 }],
  });
  // A slow refill rounds the window up: 10 tokens at 0.3/s refill in 33.3 s.
  const slow = JSON.parse(
    await run(
      'policy create --name slow --algorithm token_bucket --bucket-size 10 --refill-rate 0.3 --json'.split(
        ' ',
      ),
    ),
  );
  t.match(slow, {
    token_bucket: { refill_rate: 0.3, bucket_size: 10 },
    limits: [{ scope: 'api_key', max_requests: 10, window_seconds: 34 }],
  });
});

t.test('bad values exit non-zero with one line naming the flag', async (t) => {
  const env = { NOTIFYD_URL: 'http://127.0.0.1:9', NOTIFYD_API_KEY: ADMIN_KEY };
  const cases: Array<[string[], RegExp]> = [
    [
      ['policy', 'create', '--name', 'x', '--limit', '100/fortnight'],
      /--limit <count\/window>.*100\/fortnight.*e\.g\. 100\/minute/,
    ],
    [['policy', 'create', '--name', 'x', '--limit', '0/minute'], /--limit.*at least 1/],
    [
      ['policy', 'create', '--name', 'x', '--limit', '1/s', '--scope', 'planet'],
      /--scope <scope>.*planet.*Allowed: endpoint/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--limit', '1/s', '--algorithm', 'leaky'],
      /--algorithm <name>.*leaky/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--limit', '1/s', '--burst', 'lots'],
      /--burst <n>.*whole number/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--limit', '1/s', '--per', 'ip,moon'],
      /--per <dims>.*Allowed/,
    ],
    [['policy', 'create', '--name', 'x'], /--limit is required/],
    [
      ['policy', 'create', '--name', 'x', '--algorithm', 'token_bucket'],
      /a token bucket needs --bucket-size <n> and --refill-rate <per-second> \(or --limit/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--algorithm', 'token_bucket', '--bucket-size', '20'],
      /a token bucket needs --bucket-size <n> and --refill-rate/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--algorithm', 'token_bucket', '--refill-rate', '5'],
      /a token bucket needs --bucket-size <n> and --refill-rate/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--bucket-size', '20', '--refill-rate', '5'],
      /--refill-rate, --bucket-size and --initial-tokens are for --algorithm token_bucket/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--limit', '1/s', '--burst-window', '30s'],
      /--burst-window and --cooldown need --burst/,
    ],
    [
      ['policy', 'create', '--name', 'x', '--limit', '1/s', '--max-delay', '500'],
      /--max-delay.*need --mode/,
    ],
    [['rule', 'create', '--policy', 'p', '--target', 'galaxy'], /--target <type>.*galaxy/],
    [
      ['bypass', 'create', '--type', 'ip', '--value', 'x', '--reason', 'r', '--expires-in', 'soon'],
      /--expires-in <duration>.*90s/,
    ],
    [
      ['ratelimit', 'adjust', '--rule', 'r', '--limit', '5/s', '--duration', '1h'],
      /--reason is required/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = io(env);
    const code = await runCli(args, r.io);
    t.not(code, 0, args.join(' '));
    const lines = r.err().trim().split('\n');
    t.equal(lines.length, 1, `one line: ${r.err()}`);
    t.match(lines[0], message);
  }
});
