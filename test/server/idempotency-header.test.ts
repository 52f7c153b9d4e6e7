import t from 'tap';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const note = (extra: Record<string, unknown> = {}) => ({
  recipient_id: 'alice',
  content: { title: 'Hello', body: 'World' },
  ...extra,
});

t.test('the Idempotency-Key header works as the body field; the body wins', async (t) => {
  const s = await startServer(t);
  const post = (body: unknown, key?: string) =>
    fetch(`${s.url}/api/v1/notifications`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        'content-type': 'application/json',
        ...(key !== undefined ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  const first = await post(note(), 'order-7');
  t.equal(first.status, 202);
  const again = await post(note(), 'order-7');
  t.equal(again.status, 409, 'the header alone deduplicates');
  t.match(again.body.error, {
    code: 'DUPLICATE_NOTIFICATION',
    details: { notification_id: first.body.notification_id },
  });
  const viaBody = await post(note({ idempotency_key: 'order-7' }));
  t.equal(viaBody.status, 409, 'and it is the same key as the body field');

  const bodyWins = await post(note({ idempotency_key: 'order-8' }), 'order-7');
  t.equal(bodyWins.status, 202, 'the body field wins over the header');
  t.equal((await post(note(), 'order-8')).status, 409);

  const tooLong = await post(note(), 'x'.repeat(300));
  t.equal(tooLong.status, 400, 'the header is validated as the field is');
  t.match(tooLong.body.error, { code: 'VALIDATION_ERROR' });

  const spec = await (await fetch(`${s.url}/openapi.json`)).json();
  t.match(spec.paths['/api/v1/notifications'].post.parameters, [
    { name: 'Idempotency-Key', in: 'header' },
  ]);
});
