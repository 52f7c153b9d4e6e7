/**
 * Checks that span several options, run once the schema has passed. Each says how to fix
 * the problem. A server without any JWT key is valid: token requests fail, start-up does not.
 */
import { checkRange } from '../core/ip-ranges.js';
import type { ConfigIssue } from './errors.js';
import { showValue } from './option-tree.js';
import type { Config } from './options.js';

/** The JWS algorithms end-user tokens may be signed with. */
export const JWT_ALGORITHMS: readonly string[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Problems between options of a schema-valid configuration; `label` names each key's source. */
export function crossFieldIssues(config: Config, label: (path: string) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: string, value: unknown, reason: string) =>
    issues.push({ key: label(path), value: showValue(path, value), reason });

  const rangeLists = {
    'server.trusted_proxies': config.server.trusted_proxies,
    'webhooks.denied_networks': config.webhooks.denied_networks,
  };
  for (const [path, ranges] of Object.entries(rangeLists)) {
    for (const range of ranges) {
      const reason = checkRange(range);
      if (reason) add(path, range, `${reason}; give addresses or CIDR ranges`);
    }
  }

  const { feed } = config;
  if (feed.default_limit > feed.max_limit) {
    add(
      'feed.default_limit',
      feed.default_limit,
      `must not exceed feed.max_limit (${feed.max_limit}); lower it or raise feed.max_limit`,
    );
  }

  const jwt = config.auth.jwt;
  const unknown = jwt.algorithms.filter((a) => !JWT_ALGORITHMS.includes(a));
  if (jwt.algorithms.length === 0) {
    add('auth.jwt.algorithms', jwt.algorithms, 'must list at least one algorithm, e.g. [HS256]');
  } else if (unknown.length > 0) {
    add(
      'auth.jwt.algorithms',
      jwt.algorithms,
      `${unknown.join(', ')} is not a token algorithm; use some of ${JWT_ALGORITHMS.join(', ')}`,
    );
  } else if (jwt.algorithms.every((a) => a.startsWith('HS')) && !jwt.secret) {
    add(
      'auth.jwt.algorithms',
      jwt.algorithms,
      'only HMAC algorithms are accepted but auth.jwt.secret is empty; set JWT_SECRET, or accept RS256/ES256 and set auth.jwt.public_key or auth.jwt.jwks_file',
    );
  } else if (
    jwt.algorithms.every((a) => !a.startsWith('HS')) &&
    !jwt.public_key &&
    !jwt.jwks_file
  ) {
    add(
      'auth.jwt.algorithms',
      jwt.algorithms,
      'only public-key algorithms are accepted but neither auth.jwt.public_key nor auth.jwt.jwks_file is set; set one, or accept HS256 and set JWT_SECRET',
    );
  }

  const { cluster, store } = config;
  if (cluster.enabled && (store.backend === 'sqlite' || store.backend === 'memory')) {
    add(
      'cluster.enabled',
      true,
      `needs a store every node shares, not ${store.backend}; set store.backend to postgres or redis`,
    );
  }
  if (cluster.node_ttl_ms < 2 * cluster.heartbeat_interval_ms) {
    add(
      'cluster.node_ttl_ms',
      cluster.node_ttl_ms,
      `must be at least twice cluster.heartbeat_interval_ms (${cluster.heartbeat_interval_ms}), or a live node would look dead between heartbeats`,
    );
  }
  const triggers = config.triggers.redis;
  if (triggers.enabled && triggers.channels.length === 0) {
    add(
      'triggers.redis.channels',
      triggers.channels,
      'must name at least one channel while triggers.redis.enabled is true, e.g. notification:user:*',
    );
  }
  const { webhooks } = config;
  if (webhooks.retry_base_ms > webhooks.retry_max_ms) {
    add(
      'webhooks.retry_base_ms',
      webhooks.retry_base_ms,
      `must not exceed webhooks.retry_max_ms (${webhooks.retry_max_ms}); lower it or raise webhooks.retry_max_ms`,
    );
  }
  return issues;
}
