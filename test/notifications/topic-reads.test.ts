/**
 * A topic send reads its members' subscribers, devices and preferences once per page, not
 * once per member (requests.ts readAhead), and routes each member as a single send would.
 */
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { startServer } from '../helpers/server.js';
import { fakes, welcomeTemplate } from './fakes.js';

const T = 'default';

t.test('a topic of twelve pages: twelve reads of each kind, routing unchanged', async (t) => {
  const f = fakes();
  f.templates.templates.push(welcomeTemplate());
  const members = Array.from({ length: 1200 }, (_, i) => `m${String(i).padStart(4, '0')}`);
  for (const id of members) await f.directory.upsert(T, { id, email: `${id}@example.com` });
  f.directory.device('m0001', 'dev_1');
  f.directory.device('m0700', 'dev_2');
  f.directory.topics.set(`${T}/all`, members);
  f.preferences.rules.set('m1199', { email: { deliver: false, reason: 'channel_disabled' } });
  f.directory.calls = 0;
  const s = await startServer(t, { delivery: { console_fallback: false } }, undefined, {
    routing: f.routing,
    clock: new FakeClock(Date.now()),
  });
  const res = await s.api('POST', '/api/v1/topics/all/notifications', {
    template: 'welcome',
    payload: { name: 'You' },
  });
  t.equal(res.status, 202);
  let view = (await s.api('GET', `/api/v1/requests/${res.body.request_id}`)).body;
  for (let i = 0; i < 400 && view.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    view = (await s.api('GET', `/api/v1/requests/${res.body.request_id}`)).body;
  }
  t.match(view, {
    status: 'completed',
    accepted: 1200,
    rejected: 0,
  });

  t.equal(f.directory.readManyCalls, 12, 'one read of subscribers and devices per page');
  t.same(
    f.preferences.documentReads.map((ids) => ids.length),
    Array(12).fill(100),
    'one read of preferences per page',
  );
  t.equal(f.directory.calls, 0, 'no read per member');
  t.equal(f.preferences.queries.length, 1200);
  t.ok(
    f.preferences.queries.every((q) => q.known?.subscriber?.id === q.subscriberId),
    'each decision is given its member as read ahead',
  );

  const rows = async (id: string) => {
    const [n] = await s.store.notifications.listAll(T, id, null, 1);
    return (await s.api('GET', `/api/v1/notifications/${n!.id}/deliveries`)).body.data
      .map((d: { channel: string; status: string; device_id: string | null }) =>
        [d.channel, d.status, d.device_id].join(' '),
      )
      .sort();
  };
  t.same(await rows('m0001'), [
    'email pending ',
    'in_app delivered ',
    'push pending dev_1',
    'sms skipped ',
  ]);
  t.same(await rows('m0700'), [
    'email pending ',
    'in_app delivered ',
    'push pending dev_2',
    'sms skipped ',
  ]);
  t.same(await rows('m1199'), [
    'email skipped ',
    'in_app delivered ',
    'push skipped ',
    'sms skipped ',
  ]);
});

t.test('a topic send lets analytics write its events between pages', async (t) => {
  const f = fakes();
  f.templates.templates.push(welcomeTemplate());
  const members = Array.from({ length: 5000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
  for (const id of members) await f.directory.upsert(T, { id, email: `${id}@example.com` });
  f.directory.topics.set(`${T}/all`, members);
  // No periodic flush: only the fan-out's own waits write analytics' buffer.
  const s = await startServer(
    t,
    { delivery: { console_fallback: false }, analytics: { flush_interval_ms: 60_000 } },
    undefined,
    { routing: f.routing, clock: new FakeClock(Date.now()) },
  );
  const ingestor = s.server.analytics?.ingestor;
  if (!ingestor) throw new Error('analytics is on by default');
  const res = await s.api('POST', '/api/v1/topics/all/notifications', {
    template: 'welcome',
    payload: { name: 'You' },
  });
  await s.server.requests.idle();
  t.match((await s.api('GET', `/api/v1/requests/${res.body.request_id}`)).body, {
    status: 'completed',
    accepted: 5000,
  });
  // 50 pages of 100, one notification.accepted each member: a page waits for the buffer to
  // be written once it holds more than a page's (100); without that it would hold 5,000.
  t.ok(ingestor.pending > 0, 'the last pages’ events wait for the next flush');
  t.ok(ingestor.pending <= 200 + 50, `at most 2 pages' events buffered (${ingestor.pending})`);
});
