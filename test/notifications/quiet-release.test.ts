import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { type Running, startServer } from '../helpers/server.js';

/**
 * Quiet hours hold a delivery back, not drop it: the delivery row is written `pending` with
 * next_attempt_at at the end of the quiet hours (shown `deferred`), and the delivery port's
 * claim — what the providers' workers poll — hands it out from that moment, not before.
 */
async function serverAt(t: Parameters<typeof startServer>[0], at: number) {
  const clock = new FakeClock(at);
  const s = await startServer(
    t,
    {
      providers: { email: [{ plugin: 'console', name: 'mail-log' }] },
      delivery: { workers: { enabled: false } },
    } as never,
    undefined,
    { clock },
  );
  return { s, clock };
}

async function quiet(s: Running, user: string, quiet_hours: Record<string, unknown>) {
  const put = await s.api('PUT', `/api/v1/subscribers/${user}`, {
    email: `${user}@example.com`,
  });
  t.ok(put.status < 300);
  const res = await s.api('PUT', `/api/v1/subscribers/${user}/preferences`, {
    quiet_hours: { enabled: true, ...quiet_hours },
  });
  t.equal(res.status, 200);
}

async function sendEmail(s: Running, user: string, priority = 'normal') {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: user,
    channels: ['email'],
    priority,
    content: { title: 'Hello', body: 'there' },
  });
  t.equal(res.status, 202);
  return res.body.notification_id as string;
}

const claimable = async (s: Running) =>
  (await s.server.deliveries.claim(['email'], 10, 60_000)).map((c) => c.delivery.channel);

t.test('across midnight: held from 23:30 until 07:00 in the user zone, then sent', async (t) => {
  // 22:30 UTC on a January Tuesday = 23:30 in Paris (UTC+1).
  const { s, clock } = await serverAt(t, Date.UTC(2026, 0, 6, 22, 30));
  await quiet(s, 'ann', { start_time: '22:00', end_time: '07:00', timezone: 'Europe/Paris' });
  const id = await sendEmail(s, 'ann');
  const [row] = (await s.api('GET', `/api/v1/notifications/${id}/deliveries`)).body.data;
  t.match(row, { channel: 'email', status: 'deferred' });
  t.equal(row.next_attempt_at, '2026-01-07T06:00:00.000Z', '07:00 Paris the next morning');
  t.same(await claimable(s), [], 'not handed out at 23:30');
  clock.set(Date.UTC(2026, 0, 7, 5, 59, 59));
  t.same(await claimable(s), [], 'nor a second before 07:00');
  clock.set(Date.UTC(2026, 0, 7, 6, 0, 0));
  t.same(await claimable(s), ['email'], 'handed out at 07:00');
  t.same(await claimable(s), [], 'once');
});

t.test('an urgent one is not held', async (t) => {
  const { s } = await serverAt(t, Date.UTC(2026, 0, 6, 22, 30));
  await quiet(s, 'bea', { start_time: '22:00', end_time: '07:00', timezone: 'Europe/Paris' });
  await sendEmail(s, 'bea', 'urgent');
  t.same(await claimable(s), ['email']);
});

t.test('across the spring DST change: released at 07:00 summer time', async (t) => {
  // Paris goes from UTC+1 to UTC+2 at 02:00 on 29 March 2026; 23:00 UTC on the 28th is
  // midnight in Paris, inside 22:00–07:00. 07:00 CEST on the 29th is 05:00 UTC.
  const { s, clock } = await serverAt(t, Date.UTC(2026, 2, 28, 23, 0));
  await quiet(s, 'cid', { start_time: '22:00', end_time: '07:00', timezone: 'Europe/Paris' });
  const id = await sendEmail(s, 'cid');
  const [row] = (await s.api('GET', `/api/v1/notifications/${id}/deliveries`)).body.data;
  t.equal(row.next_attempt_at, '2026-03-29T05:00:00.000Z');
  // By the winter offset 07:00 would be 06:00 UTC: an hour late. One second before: held.
  clock.set(Date.UTC(2026, 2, 29, 4, 59, 59));
  t.same(await claimable(s), [], 'not at 06:59:59 CEST');
  clock.set(Date.UTC(2026, 2, 29, 5, 0, 0));
  t.same(await claimable(s), ['email'], 'at 07:00 CEST');
});

t.test('across the autumn DST change: released at 07:00 winter time', async (t) => {
  // Paris goes back from UTC+2 to UTC+1 at 03:00 on 25 October 2026; 07:00 CET is 06:00 UTC.
  const { s, clock } = await serverAt(t, Date.UTC(2026, 9, 24, 22, 0));
  await quiet(s, 'dee', { start_time: '22:00', end_time: '07:00', timezone: 'Europe/Paris' });
  const id = await sendEmail(s, 'dee');
  const [row] = (await s.api('GET', `/api/v1/notifications/${id}/deliveries`)).body.data;
  t.equal(row.next_attempt_at, '2026-10-25T06:00:00.000Z');
  clock.set(Date.UTC(2026, 9, 25, 5, 0, 0));
  t.same(await claimable(s), [], 'not at 06:00 CET (07:00 by the summer offset)');
  clock.set(Date.UTC(2026, 9, 25, 6, 0, 0));
  t.same(await claimable(s), ['email']);
});

t.test('quiet hours on some days only: a weekday window does not hold Saturday', async (t) => {
  // Saturday 10 January 2026, 23:00 UTC; quiet hours start on weekdays only.
  const { s } = await serverAt(t, Date.UTC(2026, 0, 10, 23, 0));
  await quiet(s, 'eli', {
    start_time: '22:00',
    end_time: '07:00',
    timezone: 'UTC',
    days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
  });
  await sendEmail(s, 'eli');
  t.same(await claimable(s), ['email']);
});
