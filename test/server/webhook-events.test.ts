import t from 'tap';
import { EVENTS } from '../../src/events/catalogue.js';
import { startServer } from '../helpers/server.js';

const PATH = '/api/v1/webhooks/events';

t.test('GET /webhooks/events lists the catalogue with each payload schema', async (t) => {
  const s = await startServer(t);
  const res = await s.api('GET', PATH);
  t.equal(res.status, 200);
  t.same(
    res.body.data.map((e: { name: string }) => e.name),
    Object.keys(EVENTS),
    'every event, in catalogue order',
  );
  t.same(
    res.body.data.find((e: { name: string }) => e.name === 'webhook.test'),
    {
      name: 'webhook.test',
      module: 'webhooks',
      description: EVENTS['webhook.test'].description,
      payload: {
        type: 'object',
        additionalProperties: false,
        required: ['webhook_id', 'message'],
        properties: {
          webhook_id: { type: 'string', description: 'The webhook tested.' },
          message: { type: 'string', description: 'A sentence saying what this is.' },
        },
      },
    },
  );
  const exceeded = res.body.data.find(
    (e: { name: string }) => e.name === 'ratelimit.limit_exceeded',
  );
  t.match(exceeded, {
    module: 'ratelimit',
    payload: { properties: { retry_after_seconds: { type: 'integer' } } },
  });

  const manage = await s.api('POST', '/api/v1/keys', {
    name: 'manage',
    scopes: ['notifications:manage'],
  });
  t.equal((await s.api('GET', PATH, undefined, manage.body.key)).status, 403);
  t.equal((await fetch(`${s.url}${PATH}`)).status, 401);
  t.equal((await s.api('POST', PATH, {})).status, 405, 'read only');

  const openapi = (await s.api('GET', '/openapi.json')).body;
  t.match(openapi.paths[PATH].get, {
    'x-required-scope': 'notifications:admin',
    responses: { 200: { content: { 'application/json': { schema: { type: 'object' } } } } },
  });
});
