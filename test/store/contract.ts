import type { Test } from 'tap';
import type { Store } from '../../src/store/types.js';
import { analyticsContract } from './contract/analytics.js';
import { countersContract } from './contract/counters.js';
import { deliveriesContract } from './contract/deliveries.js';
import { feedContract } from './contract/feed.js';
import { feedLifecycleContract } from './contract/feed-lifecycle.js';
import type { MakeStore } from './contract/fixtures.js';
import { idempotencyContract } from './contract/idempotency.js';
import { jobsContract } from './contract/jobs.js';
import { keysContract } from './contract/keys.js';
import { durabilityContract, lifecycleContract } from './contract/lifecycle.js';
import { objectsContract } from './contract/objects.js';
import { queuesContract } from './contract/queues.js';
import { ratelimitContract } from './contract/ratelimit.js';
import { recipientsContract } from './contract/recipients.js';
import { requestsContract } from './contract/requests.js';

/** What differs between backends; a quirk is an option here, never a branch in a test. */
export interface ContractOptions<S extends Store> {
  /** For durable backends: opens a new store on the same data as `store` (already closed). */
  reopen?: (store: S) => Promise<S>;
  /**
   * The backend forgets rate-limit state by itself when it expires (Redis, by TTL), so its
   * purgeExpired has nothing to forget and resolves to 0.
   */
  limiterStateExpiresByItself?: boolean;
}

/**
 * The behaviour every store backend must have. Each adapter's test file calls this with a
 * factory that returns a fresh, empty store; every test closes the store it made.
 */
export function contract<S extends Store>(
  t: Test,
  makeStore: MakeStore<S>,
  opts: ContractOptions<S> = {},
): void {
  t.test('feed', async (t) => feedContract(t, makeStore));
  t.test('feed lifecycle', async (t) => feedLifecycleContract(t, makeStore));
  t.test('idempotency', async (t) => idempotencyContract(t, makeStore));
  t.test('deliveries', async (t) => deliveriesContract(t, makeStore));
  t.test('keys', async (t) => keysContract(t, makeStore));
  t.test('counters', async (t) => countersContract(t, makeStore));
  t.test('queues', async (t) => queuesContract(t, makeStore));
  t.test('objects', async (t) => objectsContract(t, makeStore));
  t.test('ratelimit', async (t) =>
    ratelimitContract(t, makeStore, opts.limiterStateExpiresByItself ?? false),
  );
  t.test('analytics', async (t) => analyticsContract(t, makeStore));
  t.test('recipients', async (t) => recipientsContract(t, makeStore));
  t.test('jobs', async (t) => jobsContract(t, makeStore));
  t.test('requests', async (t) => requestsContract(t, makeStore));
  t.test('lifecycle', async (t) => lifecycleContract(t, makeStore));
  const { reopen } = opts;
  if (reopen) t.test('durability', async (t) => durabilityContract(t, makeStore, reopen));
}
