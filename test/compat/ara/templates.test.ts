/**
 * Ara's template system (its "Template System": POST/GET/PUT/DELETE /api/v1/templates,
 * then POST /api/v1/notifications/send with template_id + variables), driven with Ara's
 * documented requests, on SQLite and Redis; notifyd's own templates beside them unchanged.
 */
import t from 'tap';
import { connect } from '../../helpers/server.js';
import { araWs, onBackends, startAra } from './harness.js';

/** Ara's documented create request. */
const ORDER_SHIPPED = {
  id: 'order-shipped',
  name: 'Order Shipped Notification',
  event_type: 'order.shipped',
  payload_template: {
    title: 'Order {{order_id}} Shipped!',
    body: 'Your order is on the way. Tracking: {{tracking_number}}',
    action: { type: 'open_url', url: '/orders/{{order_id}}/tracking' },
  },
  priority: 'High',
  ttl: 86400,
};

onBackends(t, 'create, get, list, update and delete in Ara’s shape', async (t, backend) => {
  const s = await startAra(t, backend);
  const created = await s.ara('POST', '/api/v1/templates', ORDER_SHIPPED);
  t.equal(created.status, 201, JSON.stringify(created.body));
  const ara = {
    id: 'order-shipped',
    name: 'Order Shipped Notification',
    event_type: 'order.shipped',
    payload_template: ORDER_SHIPPED.payload_template,
    priority: 'High',
    default_priority: 'High',
    ttl: 86400,
    default_ttl: 86400,
    created_at: String,
    updated_at: String,
  };
  t.match(created.body, ara);
  t.same(created.body.payload_template, ORDER_SHIPPED.payload_template, 'kept as given');

  const again = await s.ara('POST', '/api/v1/templates', ORDER_SHIPPED);
  t.equal(again.status, 409, 'a taken id');
  t.match(again.body, { error: { code: 'ALREADY_EXISTS' } });

  const got = await s.ara('GET', '/api/v1/templates/order-shipped');
  t.equal(got.status, 200);
  t.match(got.body, ara);
  t.same(got.body.payload_template, ORDER_SHIPPED.payload_template);
  t.match(got.body, { key: 'order-shipped', category: 'order.shipped' }, 'notifyd’s fields too');

  await s.ara('POST', '/api/v1/templates', {
    id: 'welcome',
    name: 'Welcome',
    event_type: 'user.welcome',
    payload_template: { title: 'Welcome {{user.name}}' },
  });
  const list = await s.ara('GET', '/api/v1/templates');
  t.equal(list.status, 200);
  t.equal(list.body.total, 2);
  t.match(list.body.templates, [
    ara,
    { id: 'welcome', priority: 'Normal', payload_template: { title: 'Welcome {{user.name}}' } },
  ]);
  t.notOk('ttl' in list.body.templates[1], 'no ttl: none answered');

  const put = await s.ara('PUT', '/api/v1/templates/order-shipped', {
    payload_template: { title: 'Order {{order_id}} is coming', eta: '{{eta.date}}' },
    priority: 'Critical',
    ttl: null,
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.match(put.body, {
    id: 'order-shipped',
    name: 'Order Shipped Notification',
    event_type: 'order.shipped',
    priority: 'Critical',
    version: 2,
  });
  const after = await s.ara('GET', '/api/v1/templates/order-shipped');
  t.same(after.body.payload_template, {
    title: 'Order {{order_id}} is coming',
    eta: '{{eta.date}}',
  });
  t.notOk('ttl' in after.body, 'ttl: null clears it');
  const renamed = await s.ara('PUT', '/api/v1/templates/order-shipped', { name: 'Shipped' });
  t.match(renamed.body, { name: 'Shipped', priority: 'Critical', event_type: 'order.shipped' });
  t.same(renamed.body.payload_template, after.body.payload_template, 'the rest is kept');

  const missing = await s.ara('PUT', '/api/v1/templates/nope', { name: 'x' });
  t.equal(missing.status, 404);
  t.match(missing.body, { error: { code: 'TEMPLATE_NOT_FOUND' } });
  const gone = await s.ara('DELETE', '/api/v1/templates/order-shipped');
  t.equal(gone.status, 204);
  t.equal((await s.ara('GET', '/api/v1/templates/order-shipped')).status, 404);
  t.equal((await s.ara('DELETE', '/api/v1/templates/order-shipped')).status, 404);
  const sent = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    template_id: 'order-shipped',
    variables: {},
  });
  t.equal(sent.status, 404, 'a deleted template cannot be sent with');
});

onBackends(t, 'a send with template_id + variables renders the payload', async (t, backend) => {
  const s = await startAra(t, backend);
  const created = await s.ara('POST', '/api/v1/templates', {
    ...ORDER_SHIPPED,
    payload_template: {
      ...ORDER_SHIPPED.payload_template,
      customer: { greeting: 'Hi {{customer.name}}', tier: '{{customer.tier | upcase}}' },
      lines: ['{{order_id}}-1', 7, true, null],
    },
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  const araClient = await araWs(t, s, 'user-123');
  araClient.send({ type: 'Ping' });
  await araClient.next('pong');
  const notifydClient = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123')}`);
  await notifydClient.next('authenticated');

  const res = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    template_id: 'order-shipped',
    variables: {
      order_id: 'ORD-001',
      tracking_number: 'TRK-12345',
      customer: { name: 'Ada', tier: 'gold' },
    },
  });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.match(res.body, { notification_id: /^ntf_/, delivered_to: 2, queued: false });
  const payload = {
    title: 'Order ORD-001 Shipped!',
    body: 'Your order is on the way. Tracking: TRK-12345',
    action: { type: 'open_url', url: '/orders/ORD-001/tracking' },
    customer: { greeting: 'Hi Ada', tier: 'GOLD' },
    lines: ['ORD-001-1', 7, true, null],
  };
  const frame = await araClient.next('notification');
  t.same(frame, {
    type: 'notification',
    id: res.body.notification_id,
    occurred_at: frame.occurred_at,
    event_type: 'order.shipped',
    payload,
    metadata: { priority: 'High', ttl: 86400 },
  });
  const own = (await notifydClient.next('notification')).data;
  t.match(own, {
    id: res.body.notification_id,
    category: 'order.shipped',
    priority: 'high',
    content: {
      title: 'Order ORD-001 Shipped!',
      body: 'Your order is on the way. Tracking: TRK-12345',
      action_url: '/orders/ORD-001/tracking',
    },
    template: { key: 'order-shipped', version: 1 },
  });
  t.same(own.content.data, payload);
  t.equal(Date.parse(own.expires_at) - Date.parse(own.created_at), 86_400_000, 'its ttl');
  const feed = await s.asUser('user-123', 'GET', '/api/v1/me/notifications');
  t.same(feed.body.data[0].content.data, payload, 'the feed keeps it');

  const low = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    template_id: 'order-shipped',
    variables: { order_id: 'ORD-002', tracking_number: 'T', customer: { name: 'B', tier: 'x' } },
    priority: 'Low',
    ttl: 60,
  });
  t.equal(low.status, 200);
  t.match(await araClient.next('notification'), {
    payload: { title: 'Order ORD-002 Shipped!' },
    metadata: { priority: 'Low', ttl: 60 },
  });
});

onBackends(t, 'bad and hostile bodies are 4xx with the error envelope', async (t, backend) => {
  const s = await startAra(t, backend);
  const post = (body: unknown) => s.ara('POST', '/api/v1/templates', body);
  const refused = async (body: unknown, status: number, code: string, why: string) => {
    const res = await post(body);
    t.equal(res.status, status, why);
    t.match(res.body, { error: { code, message: String, request_id: String } }, why);
    return res.body.error;
  };
  const { name: _n, ...nameless } = ORDER_SHIPPED;
  await refused(nameless, 400, 'VALIDATION_ERROR', 'no name');
  await refused({ ...ORDER_SHIPPED, id: 'order shipped!' }, 400, 'VALIDATION_ERROR', 'bad id');
  await refused({ ...ORDER_SHIPPED, priority: 'Urgent' }, 400, 'VALIDATION_ERROR', 'priority');
  await refused({ ...ORDER_SHIPPED, ttl: -1 }, 400, 'VALIDATION_ERROR', 'negative ttl');
  await refused({ ...ORDER_SHIPPED, payload_template: 'x' }, 400, 'VALIDATION_ERROR', 'a string');
  await refused({ ...ORDER_SHIPPED, extra: 1 }, 400, 'VALIDATION_ERROR', 'an unknown field');
  const syntax = await refused(
    { ...ORDER_SHIPPED, payload_template: { title: 'Order {{ order_id' } },
    400,
    'TEMPLATE_SYNTAX_ERROR',
    'Liquid that does not parse',
  );
  t.match(syntax.details, { channel: 'in_app' });
  const nested = await refused(
    {
      ...ORDER_SHIPPED,
      payload_template: { deep: JSON.parse(`${'{"a":'.repeat(20)}"x"${'}'.repeat(20)}`) },
    },
    400,
    'VALIDATION_ERROR',
    'nested too deep',
  );
  t.match(nested.message, /nests deeper than 16 levels/);
  const many = await refused(
    {
      ...ORDER_SHIPPED,
      payload_template: { lines: Array.from({ length: 1001 }, (_, i) => `${i}`) },
    },
    400,
    'VALIDATION_ERROR',
    'too many strings',
  );
  t.match(many.message, /more than 1000 strings/);
  await refused(
    { ...ORDER_SHIPPED, payload_template: { title: 'x'.repeat(70_000) } },
    400,
    'TEMPLATE_SYNTAX_ERROR',
    'a string past templates.max_source_chars',
  );
  await refused(
    { ...ORDER_SHIPPED, payload_template: { body: 'x'.repeat(1_100_000) } },
    413,
    'PAYLOAD_TOO_LARGE',
    'a body past server.body_limit',
  );
  const loop = await post({
    ...ORDER_SHIPPED,
    id: 'loop',
    payload_template: { body: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' },
  });
  t.equal(loop.status, 201, 'it parses');
  const sent = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'u',
    template_id: 'loop',
    variables: {},
  });
  t.equal(sent.status, 400, 'rendering it is bounded');
  t.match(sent.body, { error: { code: 'TEMPLATE_RENDER_ERROR' } });

  t.equal((await post(ORDER_SHIPPED)).status, 201);
  const put = (body: unknown) => s.ara('PUT', '/api/v1/templates/order-shipped', body);
  t.equal((await put({ priority: 'Highest' })).status, 400);
  t.equal((await put({ payload_template: { t: '{% if %}' } })).status, 400);
  t.equal((await put({ id: 'other' })).status, 400, 'the id is the path’s');
  const still = await s.ara('GET', '/api/v1/templates/order-shipped');
  t.same(
    still.body.payload_template,
    ORDER_SHIPPED.payload_template,
    'refused changes change nothing',
  );
});

onBackends(t, 'notifyd’s own templates beside Ara’s are unchanged', async (t, backend) => {
  const s = await startAra(t, backend);
  const own = await s.api('POST', '/api/v1/templates', {
    key: 'digest',
    name: 'Digest',
    category: 'news',
    channels: { in_app: { title: 'Hello {{ name }}', body: 'You have {{ n }} news' } },
  });
  t.equal(own.status, 201, JSON.stringify(own.body));
  t.match(own.body, { id: /^tpl_/, key: 'digest', priority: null, ttl_seconds: null });
  t.notOk('payload_template' in own.body, 'notifyd’s shape');
  await s.ara('POST', '/api/v1/templates', ORDER_SHIPPED);
  const got = await s.api('GET', '/api/v1/templates/digest');
  t.same(got.body, own.body);
  const patched = await s.api('PATCH', '/api/v1/templates/digest', { name: 'Daily digest' });
  t.match(patched.body, { id: own.body.id, name: 'Daily digest', version: 2 });
  t.notOk('payload_template' in patched.body);
  const list = await s.api('GET', '/api/v1/templates');
  t.match(list.body, { page: 1, total: 2 });
  t.match(list.body.data, [{ id: own.body.id, key: 'digest' }, { key: 'order-shipped' }]);
  t.match(list.body.templates, [
    {
      id: 'digest',
      event_type: 'news',
      payload_template: { title: 'Hello {{ name }}', body: 'You have {{ n }} news' },
    },
    { id: 'order-shipped' },
  ]);
  const ara = await s.ara('GET', '/api/v1/templates/digest');
  t.notOk('payload_template' in ara.body, 'by id, a template answers in the shape it was made in');

  // notifyd's PATCH of an Ara template (its category) keeps its Ara shape.
  const moved = await s.api('PATCH', '/api/v1/templates/order-shipped', { category: 'order.sent' });
  t.match(moved.body, { id: 'order-shipped', event_type: 'order.sent', priority: 'High' });
  const render = await s.api('POST', '/api/v1/templates/order-shipped/render', {
    payload: { order_id: 'A1', tracking_number: 'T1' },
  });
  t.equal(render.status, 200, JSON.stringify(render.body));
  t.match(render.body.contents.in_app, {
    title: 'Order A1 Shipped!',
    data: { action: { url: '/orders/A1/tracking' } },
  });
});

t.test('with compat.ara off, Ara’s template body is a clear 400', async (t) => {
  const s = await startAra(t, 'sqlite', { compat: { ara: { enabled: false } } });
  const res = await s.ara('POST', '/api/v1/templates', ORDER_SHIPPED);
  t.equal(res.status, 400);
  t.match(res.body, {
    error: {
      code: 'VALIDATION_ERROR',
      message: /compat\.ara\.enabled/,
      details: { issues: [{ field: 'body.payload_template' }] },
    },
  });
  const own = await s.api('POST', '/api/v1/templates', {
    key: 'k',
    name: 'K',
    channels: { in_app: { title: 'T', body: 'B' } },
  });
  t.equal(own.status, 201, 'notifyd’s own body is served as ever');
  const list = await s.api('GET', '/api/v1/templates');
  t.notOk('templates' in list.body, 'no Ara list beside the page');
});
