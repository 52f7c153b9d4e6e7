import { Type } from '@sinclair/typebox';
import t from 'tap';
import { compileValidator, MAX_ISSUES } from '../../src/http/validate.js';
import { startServer } from '../helpers/server.js';

// A walk through the docs found `"channels": ["carrier-pigeon"]` answered with
// "must be equal to constant" five times, and a 1,001-item batch with 1,002 issues (90 KB).
t.test('a bad value in a union names what would do, once', async (t) => {
  const s = await startServer(t);
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'alice',
    content: { title: 'x', body: 'y' },
    channels: ['carrier-pigeon'],
  });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'VALIDATION_ERROR');
  t.same(res.body.error.details.issues, [
    { field: 'body.channels.0', message: 'must be one of: in_app, push, sms, email, webhook' },
  ]);
  t.equal(
    res.body.error.message,
    'body.channels.0 must be one of: in_app, push, sms, email, webhook',
  );
});

t.test(
  'a batch with a thousand bad items answers the first issues and counts the rest',
  async (t) => {
    const s = await startServer(t);
    const notifications = Array.from({ length: 1001 }, () => ({ recipient_id: 'a', content: {} }));
    const res = await s.api('POST', '/api/v1/notifications/batch', { notifications });
    t.equal(res.status, 400);
    const { issues, more_issues } = res.body.error.details;
    t.equal(issues.length, MAX_ISSUES);
    t.same(issues[0], {
      field: 'body.notifications',
      message: 'must NOT have more than 1000 items',
    });
    t.ok(more_issues > 1000, `more_issues counts the rest (${more_issues})`);
    t.equal(res.body.error.message, 'body.notifications must NOT have more than 1000 items');
  },
);

t.test('a union of types says which types', (t) => {
  const check = compileValidator(
    Type.Object({ n: Type.Union([Type.String(), Type.Number()]) }),
    'body',
  );
  t.throws(() => check({ n: true }), {
    code: 'VALIDATION_ERROR',
    details: { issues: [{ field: 'body.n', message: 'must be string or number' }] },
  });
  t.end();
});
