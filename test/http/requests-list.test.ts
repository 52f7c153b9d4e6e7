/**
 * GET /requests (issue 12, "Sending"): every send request — one POST /notifications, a batch,
 * a topic send — listed newest first under its request id, narrowed by status, type,
 * recipient, topic and time, paged with a cursor; on every backend.
 */
import t from 'tap';
import { ok, serverOn } from '../recipients/servers.js';

const L = '/api/v1/requests';
const note = (to: string, title = 'hi') => ({ recipient_id: to, content: { title, body: 'b' } });

for (const backend of ['memory', 'sqlite', 'redis', 'postgres'] as const) {
  t.test(`${backend}: single sends, batches and topic sends, listed and filtered`, async (t) => {
    const s = await serverOn(t, backend);
    if (!s) return;
    const started = s.clock.now();
    const one = await ok(s, 'POST', '/api/v1/notifications', note('ada'));
    s.clock.advance(1000);
    const two = await ok(s, 'POST', '/api/v1/notifications', note('bob'));
    s.clock.advance(1000);
    const batch = await ok(s, 'POST', '/api/v1/notifications/batch', {
      notifications: [note('ada'), note('cy'), { recipient_id: 'dee' }],
    });
    s.clock.advance(1000);
    await ok(s, 'PUT', '/api/v1/subscribers/ada', {});
    await ok(s, 'POST', '/api/v1/topics', { key: 'news', name: 'News' });
    await ok(s, 'POST', '/api/v1/topics/news/subscribers', { subscribers: ['ada'] });
    const topic = await ok(s, 'POST', '/api/v1/topics/news/notifications', {
      content: { title: 'news', body: 'b' },
    });
    for (let i = 0; i < 400; i++) {
      const view = await ok(s, 'GET', `${L}/${topic.request_id}`);
      if (view.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // A refused send is no request: nothing was written.
    t.equal((await s.api('POST', '/api/v1/notifications', { recipient_id: 'ada' })).status, 400);

    const all = await ok(s, 'GET', L);
    t.same(
      all.data.map((r: { request_id: string }) => r.request_id),
      [topic.request_id, batch.request_id, two.request_id, one.request_id],
      'newest first',
    );
    t.match(all, { cursor: null, has_more: false });
    t.match(all.data[3], {
      request_id: one.request_id,
      type: 'single',
      status: 'completed',
      recipient_id: 'ada',
      topic: null,
      accepted: 1,
      rejected: 0,
      errors: [],
      created_at: new Date(started).toISOString(),
    });
    t.match(all.data[1], { type: 'batch', recipient_id: null, accepted: 2, rejected: 1 });
    t.match(all.data[0], { type: 'topic', topic: 'news', status: 'completed', accepted: 1 });
    t.same(await ok(s, 'GET', `${L}/${one.request_id}`), all.data[3], 'GET by id: the same');

    const ids = async (query: string) =>
      (await ok(s, 'GET', `${L}?${query}`)).data.map((r: { request_id: string }) => r.request_id);
    t.same(await ids('recipient_id=ada'), [one.request_id]);
    t.same(await ids('topic=news'), [topic.request_id]);
    t.same(await ids('type=batch'), [batch.request_id]);
    t.same(await ids('status=running'), []);
    t.same(await ids('status=completed&type=single'), [two.request_id, one.request_id]);
    const at = (ms: number) => encodeURIComponent(new Date(started + ms).toISOString());
    t.same(await ids(`created_after=${at(1000)}&created_before=${at(3000)}`), [
      batch.request_id,
      two.request_id,
    ]);

    const first = await ok(s, 'GET', `${L}?limit=3`);
    t.equal(first.data.length, 3);
    t.equal(first.has_more, true);
    const rest = await ok(s, 'GET', `${L}?limit=3&cursor=${first.cursor}`);
    t.same(
      rest.data.map((r: { request_id: string }) => r.request_id),
      [one.request_id],
    );
    t.match(rest, { cursor: null, has_more: false });

    const bad = async (query: string, code: string) => {
      const res = await s.api('GET', `${L}?${query}`);
      t.equal(res.status, 400, query);
      t.equal(res.body.error.code, code, query);
    };
    await bad('cursor=nonsense', 'INVALID_CURSOR');
    await bad('status=sleeping', 'VALIDATION_ERROR');
    await bad('created_after=yesterday', 'VALIDATION_ERROR');
    await bad('recipient_id=ada&topic=news', 'VALIDATION_ERROR');
    await bad('limit=101', 'VALIDATION_ERROR');
  });
}
