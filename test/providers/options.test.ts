import t from 'tap';
import { ConfigError, loadConfig, maskConfig } from '../../src/config/index.js';
import { ref } from './setup.js';

const issues = (env: Record<string, string>) => {
  try {
    loadConfig({ env });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.key}: ${i.reason}`);
    throw err;
  }
  return [];
};

t.test('providers per channel from the environment, as JSON, checked item by item', async (t) => {
  const config = loadConfig({
    env: {
      NOTIFYD_PROVIDERS__SMS: JSON.stringify([
        {
          name: 'tw',
          plugin: 'twilio',
          options: { auth_token: 'abc', token_ref: ref('TW'), from: '+1555' },
          priority: 2,
        },
      ]),
    },
  });
  t.match(config.providers.sms, [{ name: 'tw', plugin: 'twilio', priority: 2 }]);
  t.same(maskConfig(config).providers.sms[0].options, {
    auth_token: '********',
    token_ref: ref('TW'),
    from: '+1555',
  });
  t.equal(config.providers.sms[0].options?.auth_token, 'abc', 'only the printed copy is masked');
  t.same(config.providers.push, []);
  t.match(issues({ NOTIFYD_PROVIDERS__SMS: '[{' }), [
    /NOTIFYD_PROVIDERS__SMS \(providers.sms\): must be a JSON list of mappings/,
  ]);
  t.same(
    issues({
      NOTIFYD_PROVIDERS__SMS: JSON.stringify([
        { plugin: 'x', colour: 1 },
        { name: 'Bad Name', plugin: 'y' },
        {},
      ]),
    }),
    [
      'NOTIFYD_PROVIDERS__SMS (providers.sms)[0].colour: unknown key',
      'NOTIFYD_PROVIDERS__SMS (providers.sms)[1].name: must match pattern "^[a-z0-9][a-z0-9_-]{0,62}$"',
      'NOTIFYD_PROVIDERS__SMS (providers.sms)[2].plugin: is required',
    ],
  );
  t.match(issues({ NOTIFYD_PROVIDERS__SMS: '{"plugin":"x"}' }), [/providers.sms\): must be/]);
});

t.test(
  'checks between options: unique names, backoff and status-poll bounds, timeouts under the lease',
  async (t) => {
    t.same(
      issues({
        NOTIFYD_PROVIDERS__SMS: JSON.stringify([{ plugin: 'twilio' }]),
        NOTIFYD_PROVIDERS__EMAIL: JSON.stringify([
          { name: 'mail', plugin: 'smtp' },
          { name: 'twilio', plugin: 'x' },
        ]),
        NOTIFYD_DELIVERY__BACKOFF_BASE_MS: '5000',
        NOTIFYD_DELIVERY__BACKOFF_MAX_MS: '1000',
        NOTIFYD_DELIVERY__TIMEOUT_MS: '60000',
        NOTIFYD_DELIVERY__STATUS_POLL__FIRST_MS: '20000',
        NOTIFYD_DELIVERY__STATUS_POLL__MAX_MS: '10000',
      }),
      [
        'providers.email[1].name: is already the name of providers.sms[0]; give each provider a distinct name',
        'NOTIFYD_DELIVERY__BACKOFF_BASE_MS (delivery.backoff_base_ms): must not exceed delivery.backoff_max_ms (1000); lower it or raise delivery.backoff_max_ms',
        'NOTIFYD_DELIVERY__STATUS_POLL__FIRST_MS (delivery.status_poll.first_ms): must not exceed delivery.status_poll.max_ms (10000); lower it or raise delivery.status_poll.max_ms',
        'NOTIFYD_DELIVERY__TIMEOUT_MS (delivery.timeout_ms): must be below delivery.workers.lease_ms (60000), or a slow send could be claimed and sent again by another worker',
      ],
    );
  },
);

t.test('the flat form providers: [{use, channel, …}] becomes the per-channel lists', async (t) => {
  const dir = t.testdir({
    'notifyd.yaml': [
      'providers:',
      '  - use: twilio',
      '    channel: sms',
      '    name: tw',
      '    priority: 2',
      `    options: { account_sid: AC1, auth_token: "${ref('TW_TOKEN')}", from: "+15550100" }`,
      '  - use: console',
      '    channel: email',
      '  - use: ./chat.js',
      '    channel: chat',
      '    timeout_ms: 500',
    ].join('\n'),
  });
  const config = loadConfig({ file: `${dir}/notifyd.yaml`, env: {}, cwd: dir });
  t.same(config.providers.sms, [
    {
      name: 'tw',
      plugin: 'twilio',
      priority: 2,
      options: { account_sid: 'AC1', auth_token: ref('TW_TOKEN'), from: '+15550100' },
    },
  ]);
  t.same(config.providers.email, [{ plugin: 'console' }]);
  t.same(config.providers.custom, [{ plugin: './chat.js', channel: 'chat', timeout_ms: 500 }]);
  t.same(config.providers.push, []);

  const broken = t.testdir({
    'notifyd.yaml': 'providers:\n  - channel: sms\n  - use: smtp\n  - 7\n',
  });
  t.throws(() => loadConfig({ file: `${broken}/notifyd.yaml`, env: {} }), ConfigError);
  try {
    loadConfig({ file: `${broken}/notifyd.yaml`, env: {} });
  } catch (err) {
    t.same(
      (err as ConfigError).issues.map((i) => `${i.key}: ${i.reason}`),
      [
        'providers[0].use: is required: a built-in plugin, a package name or a path',
        'providers[1].channel: is required: the channel it serves (push, sms, email, webhook or a plugin’s own)',
        'providers[2]: must be a mapping { use, channel, name, priority, options }',
      ],
    );
  }
  // An unknown key is still named, in the list it went to.
  const extra = t.testdir({
    'notifyd.yaml': 'providers:\n  - { use: smtp, channel: email, colour: red }\n',
  });
  t.throws(() => loadConfig({ file: `${extra}/notifyd.yaml`, env: {} }), {
    message: /providers\.email\[0\]\.colour/,
  });
});
