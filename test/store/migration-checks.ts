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

/**
 * Seeded at version 12 (the same SQL on SQLite and Postgres): a second notification with a
 * failed delivery, a dead letter from before migration 13 indexed them.
 */
export const SEED_DEAD_LETTER = `
  CREATE TEMP TABLE ntf_copy AS SELECT * FROM notifications WHERE id = 'ntf_01';
  UPDATE ntf_copy SET id = 'ntf_02', idempotency_key = NULL;
  INSERT INTO notifications SELECT * FROM ntf_copy;
  DROP TABLE ntf_copy;
  INSERT INTO deliveries (id, tenant_id, notification_id, recipient_id, channel, status,
    attempts, next_attempt_at, created_at, updated_at)
    VALUES ('dlv_02', 't1', 'ntf_02', 'alice', 'sms', 'failed', 3, 1, 1, 1);`;

/** Migration 13 (dead-letter index): the dead letter seeded at 12 is listed and requeued. */
export async function checkDeadLetters(t: Test, store: Store): Promise<void> {
  t.match(await store.deliveries.listDead('t1', {}, 10), [{ id: 'dlv_02', status: 'failed' }]);
  t.match(await store.deliveries.requeueDead('t1', 'dlv_02', 7), { status: 'pending' });
  t.same(await store.deliveries.listDead('t1', {}, 10), []);
}

/**
 * Seeded at version 13: an SMS delivery Twilio accepted, with its message SID, from before
 * migration 14 indexed provider message ids.
 */
export const SEED_SENT_SMS = `
  INSERT INTO deliveries (id, tenant_id, notification_id, recipient_id, channel, status,
    attempts, next_attempt_at, provider_message_id, created_at, updated_at)
    VALUES ('dlv_03', 't1', 'ntf_02', 'alice', 'sms', 'sent', 1, 1, 'SM_OLD', 1, 1);`;

/** Migration 14 (provider message id index): the SMS seeded at 13 is found and confirmed. */
export async function checkProviderMessageIds(t: Test, store: Store): Promise<void> {
  t.match(await store.deliveries.findByProviderMessageId('sms', 'SM_OLD'), { id: 'dlv_03' });
  t.match(await store.deliveries.confirmSent('dlv_03', 'delivered', 8), { status: 'delivered' });
}

/** Before migration 15 (send requests), a batch's summary was only an object. */
export const SEED_LEGACY_REQUEST = `
  INSERT INTO objects VALUES ('send_request', 'req_old', 't1', NULL,
    '{"type":"batch","status":"completed"}', 1, 1, 1);`;

/** Migration 15: the requests store starts empty and works; the old summary is kept. */
export async function checkSendRequests(t: Test, store: Store): Promise<void> {
  t.same(await store.requests.list({ tenant_id: 't1', limit: 5 }), { items: [], next: null });
  t.match(await store.objects.get('send_request', 'req_old'), { id: 'req_old', tenant_id: 't1' });
  const request = {
    id: 'req_new',
    tenant_id: 't1',
    type: 'single' as const,
    status: 'completed' as const,
    recipient_id: 'alice',
    topic: null,
    accepted: 1,
    skipped: 0,
    rejected: 0,
    errors: [],
    created_at: 9,
    completed_at: 9,
  };
  await store.requests.put(request);
  t.same(await store.requests.get('t1', 'req_new'), request);
}

/** Migration 16 (claim indexes by time): a due job and one whose lease ran out, seeded at 15. */
export const SEED_DUE_JOBS = `INSERT INTO jobs VALUES
  ('job_15a', 't1', 'notification.send', 30, '{}', 'scheduled', 0, NULL, NULL, NULL, NULL, 1, 1),
  ('job_15b', 't1', 'notification.send', 20, '{}', 'running', 1, 'old', 40, NULL, NULL, 1, 1);`;

/** After migration 16, both jobs seeded at 15 are claimed, earliest due first. */
export async function checkJobClaims(t: Test, store: Store): Promise<void> {
  const claimed = await store.jobs.claim(['notification.send'], 5, 50, 1000, 'tok2');
  t.same(
    claimed.map((j) => [j.id, j.attempts]),
    [
      ['job_15b', 2],
      ['job_15a', 1],
    ],
    'claimed after migration 16, earliest due first',
  );
  t.equal(await store.jobs.nextRunAt(['notification.send']), null, 'none left scheduled');
}

/** Events with users written before migration 17 (activity rows): its backfill counts them. */
export const SEED_USER_EVENTS = `
  INSERT INTO analytics_events VALUES ('aev_11', 't1', 'login', 'alice', NULL, '{}', 86400005, '{}');
  INSERT INTO analytics_events VALUES ('aev_12', 't1', 'login', 'alice', NULL, '{}', 259200005, '{}');
  INSERT INTO analytics_events VALUES ('aev_13', 't2', 'login', 'alice', NULL, '{}', 172800005, '{}');
  INSERT INTO analytics_events VALUES ('aev_14', 't2', 'login', 'bob', NULL, '{}', 172800006, '{}');`;

export async function checkActivityBackfill(t: Test, store: Store): Promise<void> {
  const DAY = 86_400_000;
  // alice in t1 on days 1 and 3: the day-3 row knows her day-1 event came before.
  t.same(await store.analytics.activeUsers('t1', [{ from: DAY + 6, to: 3 * DAY + 6 }]), [1]);
  t.same(await store.analytics.activeUsers('t2', [{ from: 0, to: 3 * DAY }]), [2]);
  t.same(await store.analytics.activeUsers(null, [{ from: DAY + 6, to: 2 * DAY + 6 }]), [1]);
}

/**
 * Events kept before the funnel index (PostgreSQL 18, SQLite analytics file 3) are in it:
 * SEED_USER_EVENTS' logins, across tenants (alice's next login is her t2 one) and in t1.
 */
export async function checkFunnelIndex(t: Test, store: Store): Promise<void> {
  const DAY = 86_400_000;
  const q = { from: 0, to: 4 * DAY, window_ms: 3 * DAY, steps: ['login', 'login'] };
  t.match(await store.analytics.funnel({ ...q, tenant_id: null }), {
    reached: [2, 1],
    gaps: [0, DAY],
  });
  t.match(await store.analytics.funnel({ ...q, tenant_id: 't1' }), {
    reached: [1, 1],
    gaps: [0, 2 * DAY],
  });
}
