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
  'checks between options: unique names, backoff bounds, timeouts under the lease',
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
      }),
      [
        'providers.email[1].name: is already the name of providers.sms[0]; give each provider a distinct name',
        'NOTIFYD_DELIVERY__BACKOFF_BASE_MS (delivery.backoff_base_ms): must not exceed delivery.backoff_max_ms (1000); lower it or raise delivery.backoff_max_ms',
        'NOTIFYD_DELIVERY__TIMEOUT_MS (delivery.timeout_ms): must be below delivery.workers.lease_ms (60000), or a slow send could be claimed and sent again by another worker',
      ],
    );
  },
);
