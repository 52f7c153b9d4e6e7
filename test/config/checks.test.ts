import t from 'tap';
import { ConfigError, type ConfigIssue, loadConfig } from '../../src/config/index.js';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/options.js';

/** The issues a configuration with these overrides raises. */
function issuesFor(overrides: DeepPartial<Config>): readonly ConfigIssue[] {
  try {
    loadConfig({ env: {}, overrides });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

t.test('cluster mode needs a store every node shares', async (t) => {
  t.same(issuesFor({ cluster: { enabled: true }, store: { backend: 'memory' } }), [
    {
      key: 'cluster.enabled',
      value: 'true',
      reason: 'needs a store every node shares, not memory; set store.backend to postgres or redis',
    },
  ]);
  t.same(issuesFor({ cluster: { enabled: true }, store: { backend: 'redis' } }), []);
});

t.test('a node may not be dropped between two of its heartbeats', async (t) => {
  t.same(issuesFor({ cluster: { heartbeat_interval_ms: 5000, node_ttl_ms: 9999 } }), [
    {
      key: 'cluster.node_ttl_ms',
      value: '9999',
      reason:
        'must be at least twice cluster.heartbeat_interval_ms (5000), or a live node would look dead between heartbeats',
    },
  ]);
});

t.test("each module's checks run, in a fixed order", async (t) => {
  const issues = issuesFor({
    server: { trusted_proxies: ['nowhere'] },
    feed: { default_limit: 500, max_limit: 100 },
    triggers: { redis: { enabled: true, channels: [] } },
    webhooks: { retry_base_ms: 10, retry_max_ms: 5 },
  });
  t.same(
    issues.map((i) => i.key),
    [
      'server.trusted_proxies',
      'feed.default_limit',
      'triggers.redis.channels',
      'webhooks.retry_base_ms',
    ],
  );
});
