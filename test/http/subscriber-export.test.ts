/**
 * GET /subscribers/{id}/export is bounded: at most 1,000 notifications an answer (the
 * default), oldest first, the rest paged with ?cursor= until `cursor` is null.
 */
import t from 'tap';
import { ok, serverOn } from '../recipients/servers.js';

t.test('the export pages notifications 1,000 at a time', async (t) => {
  const s = (await serverOn(t, 'sqlite'))!;
  await ok(s, 'PUT', '/api/v1/subscribers/ada', { email: 'ada@example.com' });
  const note = (i: number) => ({ recipient_id: 'ada', content: { title: `n${i}`, body: 'b' } });
  await ok(s, 'POST', '/api/v1/notifications/batch', {
    notifications: Array.from({ length: 1000 }, (_, i) => note(i)),
  });
  s.clock.advance(1);
  await ok(s, 'POST', '/api/v1/notifications', note(1000));
  s.clock.advance(1);
  await ok(s, 'POST', '/api/v1/notifications', note(1001));

  const E = '/api/v1/subscribers/ada/export';
  const first = await ok(s, 'GET', E);
  t.equal(first.notifications.length, 1000, 'capped at 1,000');
  t.equal(first.has_more, true);
  t.equal(first.cursor, first.notifications[999].id);
  t.match(first, { subscriber_id: 'ada', subscriber: { email: 'ada@example.com' } });
  const rest = await ok(s, 'GET', `${E}?cursor=${first.cursor}`);
  t.same(
    rest.notifications.map((n: { content: { title: string } }) => n.content.title),
    ['n1000', 'n1001'],
    'the rest, oldest first',
  );
  t.match(rest, { cursor: null, has_more: false, subscriber: { email: 'ada@example.com' } });
  const all = [...first.notifications, ...rest.notifications];
  const ids = new Set(all.map((n) => n.id));
  t.equal(ids.size, 1002, 'every notification once');
  // The page's deliveries come from one store call: each lands on its own notification.
  const misplaced = all.filter(
    (n: { id: string; deliveries: Array<{ channel: string }> }) =>
      n.deliveries.length !== 1 || n.deliveries[0].channel !== 'in_app',
  );
  t.same(misplaced, [], 'each notification with its own in-app delivery');

  const small = await ok(s, 'GET', `${E}?limit=2`);
  t.equal(small.notifications.length, 2);
  t.equal(small.cursor, small.notifications[1].id);
  const over = await s.api('GET', `${E}?limit=1001`);
  t.equal(over.status, 400);
  t.match(over.body.error, { code: 'VALIDATION_ERROR' });
  t.equal((await s.api('GET', '/api/v1/subscribers/nobody/export')).status, 404);
});
