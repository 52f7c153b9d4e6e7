/**
 * POST /notifications/batch and idempotency through the real server (issue 12, "Batch"):
 * per-item results with partial success, `atomic` all-or-nothing, the 1,000-item bound, and
 * idempotency keys per item, summarised by GET /requests/{request_id}.
 */
import t from 'tap';
import { BACKENDS, ok, type Server, serverOn } from '../recipients/servers.js';

const B = '/api/v1/notifications/batch';

const item = (to: string, title: string, extra: Record<string, unknown> = {}) => ({
  recipient_id: to,
  content: { title, body: 'b' },
  ...extra,
});

/** Titles in a user's feed, newest first. */
async function feed(s: Server, user: string): Promise<string[]> {
  const res = await s.asUser(user, 'GET', '/api/v1/me/notifications?limit=100');
  return res.body.data.map((n: { content: { title: string } }) => n.content.title);
}

for (const backend of BACKENDS) {
  t.test(`${backend}: a batch answers per item, with partial success`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const res = await s.api('POST', B, {
      notifications: [
        item('alice', 'one'),
        { recipient_id: 'bob', template: 'no-such-template', payload: {} },
        item('carol', 'three', { idempotency_key: 'k-3' }),
        { recipient_id: 'dave' },
      ],
    });
    t.equal(res.status, 202);
    t.match(res.body, { accepted: 2, rejected: 2 });
    t.match(res.body.results, [
      { index: 0, status: 'accepted', notification_id: /^ntf_/, channels_targeted: ['in_app'] },
      { index: 1, status: 'rejected', error: { code: 'TEMPLATE_NOT_FOUND' } },
      { index: 2, status: 'accepted', notification_id: /^ntf_/ },
      { index: 3, status: 'rejected', error: { code: 'VALIDATION_ERROR' } },
    ]);
    t.same(await feed(s, 'alice'), ['one']);
    t.same(await feed(s, 'bob'), []);
    t.same(await feed(s, 'carol'), ['three']);

    const request = await ok(s, 'GET', `/api/v1/requests/${res.body.request_id}`);
    t.match(request, {
      request_id: res.body.request_id,
      type: 'batch',
      status: 'completed',
      topic: null,
      accepted: 2,
      rejected: 2,
      skipped: 0,
      errors: [
        { index: 1, code: 'TEMPLATE_NOT_FOUND' },
        { index: 3, code: 'VALIDATION_ERROR' },
      ],
    });
    t.type(request.completed_at, 'string');
  });

  t.test(`${backend}: atomic: one refused item refuses all, nothing is written`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const res = await s.api('POST', B, {
      atomic: true,
      notifications: [
        item('alice', 'one'),
        item('bob', 'two', { expires_at: '2000-01-01T00:00:00Z' }),
        item('carol', 'three'),
      ],
    });
    t.equal(res.status, 400, 'the refused item’s status');
    t.match(res.body.error, {
      code: 'VALIDATION_ERROR',
      message: /notifications\.1.*atomic: nothing was written/,
      details: { index: 1, results: [{ index: 1, status: 'rejected' }] },
      request_id: /./,
    });
    for (const user of ['alice', 'bob', 'carol']) t.same(await feed(s, user), [], user);
    t.equal((await s.api('GET', `/api/v1/requests/${res.body.error.request_id}`)).status, 404);

    const fine = await s.api('POST', B, {
      atomic: true,
      notifications: [item('alice', 'one'), item('bob', 'two')],
    });
    t.equal(fine.status, 202);
    t.match(fine.body, { accepted: 2, rejected: 0 });
  });

  t.test(`${backend}: atomic: a used idempotency key refuses the whole batch`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const first = await ok(
      s,
      'POST',
      '/api/v1/notifications',
      item('zoe', 'z', {
        idempotency_key: 'used',
      }),
    );
    const res = await s.api('POST', B, {
      atomic: true,
      notifications: [item('alice', 'one'), item('bob', 'two', { idempotency_key: 'used' })],
    });
    t.equal(res.status, 409);
    t.match(res.body.error, {
      code: 'DUPLICATE_NOTIFICATION',
      details: {
        index: 1,
        results: [
          {
            index: 1,
            status: 'rejected',
            error: {
              code: 'DUPLICATE_NOTIFICATION',
              details: { notification_id: first.notification_id },
            },
          },
        ],
      },
    });
    t.same(await feed(s, 'alice'), [], 'the good item was not written either');
    t.same(await feed(s, 'bob'), []);

    const twice = await s.api('POST', B, {
      atomic: true,
      notifications: [
        item('alice', 'one', { idempotency_key: 'twice' }),
        item('bob', 'two', { idempotency_key: 'twice' }),
      ],
    });
    t.equal(twice.status, 409, 'one key twice in the batch');
    t.match(twice.body.error, { code: 'DUPLICATE_NOTIFICATION', details: { index: 1 } });
    t.same(await feed(s, 'alice'), []);
    t.equal(
      (await s.api('POST', '/api/v1/notifications', item('x', 'x', { idempotency_key: 'twice' })))
        .status,
      202,
      'and the key stays free',
    );
  });

  t.test(`${backend}: idempotency keys work per item`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const first = await ok(s, 'POST', B, {
      notifications: [
        item('alice', 'a1', { idempotency_key: 'a' }),
        item('bob', 'b1', { idempotency_key: 'b' }),
      ],
    });
    t.match(first, { accepted: 2, rejected: 0 });
    const again = await ok(s, 'POST', B, {
      notifications: [
        item('alice', 'a2', { idempotency_key: 'a' }),
        item('carol', 'c1', { idempotency_key: 'c' }),
        item('carol', 'c2', { idempotency_key: 'c' }),
      ],
    });
    t.match(again, { accepted: 1, rejected: 2 });
    t.match(again.results, [
      {
        index: 0,
        status: 'rejected',
        error: {
          code: 'DUPLICATE_NOTIFICATION',
          details: { notification_id: first.results[0].notification_id },
        },
      },
      { index: 1, status: 'accepted' },
      { index: 2, status: 'rejected', error: { code: 'DUPLICATE_NOTIFICATION' } },
    ]);
    t.same(await feed(s, 'alice'), ['a1'], 'no second notification');
    t.same(await feed(s, 'carol'), ['c1']);
    const single = await s.api(
      'POST',
      '/api/v1/notifications',
      item('bob', 'b2', {
        idempotency_key: 'b',
      }),
    );
    t.equal(single.status, 409, 'a batch item’s key holds for a single send too');
    t.match(single.body.error, {
      code: 'DUPLICATE_NOTIFICATION',
      details: { notification_id: first.results[1].notification_id },
    });
  });

  t.test(`${backend}: a repeated key is a 409 naming the first, whatever the body`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const body = item('alice', 'hello', { idempotency_key: 'order-1' });
    const first = await ok(s, 'POST', '/api/v1/notifications', body);
    const same = await s.api('POST', '/api/v1/notifications', body);
    t.equal(same.status, 409);
    t.match(same.body.error, {
      code: 'DUPLICATE_NOTIFICATION',
      details: { notification_id: first.notification_id, request_id: first.request_id },
    });
    const other = await s.api('POST', '/api/v1/notifications', {
      ...body,
      content: { title: 'changed', body: 'b' },
    });
    t.equal(other.status, 409);
    t.match(other.body.error.details, { notification_id: first.notification_id });
    t.same(await feed(s, 'alice'), ['hello'], 'one notification');

    s.clock.advance(24 * 3600_000 + 1);
    t.equal(
      (await s.api('POST', '/api/v1/notifications', body)).status,
      202,
      'the key is free again after the 24 h window',
    );
  });

  t.test(`${backend}: 1,000 items go; 1,001 are a 400 with the envelope`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const many = (n: number) => Array.from({ length: n }, (_, i) => item(`u${i % 50}`, `n${i}`));
    const over = await s.api('POST', B, { notifications: many(1001) });
    t.equal(over.status, 400);
    t.match(over.body.error, {
      code: 'VALIDATION_ERROR',
      message: /notifications/,
      request_id: /./,
    });
    t.same(await feed(s, 'u0'), [], 'nothing of it was written');
    t.equal((await s.api('POST', B, { notifications: [] })).status, 400, 'nor is an empty one');

    const full = await s.api('POST', B, { notifications: many(1000) });
    t.equal(full.status, 202);
    t.match(full.body, { accepted: 1000, rejected: 0 });
    t.equal(full.body.results.length, 1000);
    t.equal((await feed(s, 'u7')).length, 20);
  });
}
