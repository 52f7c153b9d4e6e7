/**
 * Checks the SQL backends' migration tests share: what rows seeded before a migration look
 * like after it, the same on SQLite and Postgres.
 */
import type { Test } from 'tap';
import type { Store } from '../../src/store/types.js';

/**
 * Migration 12 (lease tokens): the seeded delivery `dlv_01`, leased until 50 before the
 * migration, has no token; once its lease runs out it is claimed again under one, and only
 * that token settles it.
 */
export async function checkLeaseTokens(t: Test, store: Store): Promise<void> {
  t.match(await store.deliveries.listByNotification('t1', 'ntf_01'), [{ lease_token: null }]);
  const [again] = await store.deliveries.claim(['push'], 1, 50, 10, 'tok');
  t.match(again, { id: 'dlv_01', attempts: 2, lease_token: 'tok' });
  t.notOk(await store.deliveries.complete('dlv_01', 'other', 'sent', 51));
  t.ok(await store.deliveries.complete('dlv_01', 'tok', 'sent', 51));
}
