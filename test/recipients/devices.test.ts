import t from 'tap';
import { BACKENDS, KEYS, ok, serverOn } from './servers.js';

const ME = '/api/v1/me/devices';
const APNS = 'a1'.repeat(32);

for (const backend of BACKENDS) {
  t.test(`${backend}: the user registers, lists, changes and removes devices`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const heard: Array<{ type: string; data: Record<string, unknown> }> = [];
    s.server.events.subscribe((e) => {
      if (e.type.startsWith('notification.device.')) heard.push({ type: e.type, data: e.data });
    });
    const web = await s.asUser('u1', 'POST', ME, {
      kind: 'webpush',
      endpoint: 'https://push.example.com/send/abc',
      keys: KEYS,
      device_info: { platform: 'web' },
    });
    t.equal(web.status, 201);
    t.match(web.body, {
      id: /^dev_/,
      subscriber_id: 'u1',
      kind: 'webpush',
      endpoint: 'https://push.example.com/send/abc',
      keys: KEYS,
      token: null,
      active: true,
      failure_count: 0,
      last_used_at: null,
      device_info: { platform: 'web' },
    });
    t.equal((await s.api('GET', '/api/v1/subscribers/u1')).status, 200, 'registering subscribes');
    s.clock.advance(1000);
    const again = await s.asUser('u1', 'POST', ME, {
      kind: 'webpush',
      endpoint: 'https://push.example.com/send/abc',
      keys: KEYS,
    });
    t.equal(again.status, 200, 'the same endpoint updates');
    t.equal(again.body.id, web.body.id);
    const fcm = await s.asUser('u1', 'POST', ME, { kind: 'fcm', token: 'fcm:token-1' });
    t.equal(fcm.status, 201);
    const apns = await s.asUser('u1', 'POST', ME, { kind: 'apns', token: APNS });
    t.equal(apns.status, 201);
    const list = await s.asUser('u1', 'GET', ME);
    t.same(
      list.body.data.map((d: { id: string }) => d.id),
      [web.body.id, fcm.body.id, apns.body.id],
      'oldest first, no duplicate',
    );
    t.same((await s.asUser('u2', 'GET', ME)).body.data, [], 'only their own');

    const off = await s.asUser('u1', 'PATCH', `${ME}/${fcm.body.id}`, {
      active: false,
      device_info: { name: 'phone' },
    });
    t.match(off.body, { active: false, device_info: { name: 'phone' } });
    const rekeyed = await s.asUser('u1', 'PATCH', `${ME}/${web.body.id}`, {
      keys: { ...KEYS, auth: Buffer.alloc(16, 1).toString('base64url') },
    });
    t.equal(rekeyed.status, 200);
    const noKeys = await s.asUser('u1', 'PATCH', `${ME}/${fcm.body.id}`, { keys: KEYS });
    t.equal(noKeys.status, 400, 'an fcm device has no keys');
    const on = await s.asUser('u1', 'PATCH', `${ME}/${fcm.body.id}`, { active: true });
    t.match(on.body, { active: true, failure_count: 0 });
    const theirs = await s.asUser('u2', 'PATCH', `${ME}/${fcm.body.id}`, { active: false });
    t.equal(theirs.status, 404, "someone else's device is not found");
    t.equal(theirs.body.error.code, 'DEVICE_NOT_FOUND');
    t.equal((await s.asUser('u2', 'DELETE', `${ME}/${fcm.body.id}`)).status, 404);
    t.equal((await s.asUser('u1', 'DELETE', `${ME}/${fcm.body.id}`)).status, 204);
    t.equal((await s.asUser('u1', 'DELETE', `${ME}/${fcm.body.id}`)).status, 404);
    t.equal((await s.asUser('u1', 'GET', ME)).body.data.length, 2);
    t.match(heard, [
      { type: 'notification.device.registered', data: { created: true, kind: 'webpush' } },
      { type: 'notification.device.registered', data: { created: false } },
      { type: 'notification.device.registered', data: { kind: 'fcm' } },
      { type: 'notification.device.registered', data: { kind: 'apns' } },
      { type: 'notification.device.unregistered', data: { reason: 'deleted', kind: 'fcm' } },
    ]);
  });

  t.test(`${backend}: bad addresses and keys are 400s`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const short = Buffer.alloc(15, 9).toString('base64url');
    const compressed = Buffer.concat([Buffer.from([2]), Buffer.alloc(64, 7)]).toString('base64url');
    const bad = [
      [{ kind: 'webpush', endpoint: 'http://push.example.com/x', keys: KEYS }, 'endpoint'],
      [{ kind: 'webpush', endpoint: 'not a url', keys: KEYS }, 'endpoint'],
      [{ kind: 'webpush', keys: KEYS }, 'endpoint'],
      [{ kind: 'webpush', endpoint: 'https://p.example/x' }, 'keys'],
      [
        { kind: 'webpush', endpoint: 'https://p.example/x', keys: { ...KEYS, auth: short } },
        'auth',
      ],
      [
        { kind: 'webpush', endpoint: 'https://p.example/x', keys: { ...KEYS, p256dh: 'a+b/' } },
        'p256dh',
      ],
      [
        { kind: 'webpush', endpoint: 'https://p.example/x', keys: { ...KEYS, p256dh: compressed } },
        'p256dh',
      ],
      [{ kind: 'webpush', endpoint: 'https://p.example/x', keys: KEYS, token: 'x' }, 'token'],
      [{ kind: 'fcm' }, 'token'],
      [{ kind: 'fcm', token: 'has space' }, 'token'],
      [{ kind: 'fcm', token: 'abc', endpoint: 'https://p.example/x' }, 'body'],
      [{ kind: 'apns', token: 'not-hex' }, 'token'],
      [{ kind: 'carrier-pigeon', token: 'x' }, 'kind'],
      [{ kind: 'fcm', token: 'x'.repeat(5000) }, 'token'],
    ] as const;
    for (const [body, field] of bad) {
      const res = await s.asUser('u1', 'POST', ME, body);
      t.equal(res.status, 400, JSON.stringify(body).slice(0, 120));
      t.equal(res.body.error.code, 'VALIDATION_ERROR');
      t.match(JSON.stringify(res.body.error.details), field);
    }
    const local = await s.asUser('u1', 'POST', ME, {
      kind: 'webpush',
      endpoint: 'http://localhost:8080/push',
      keys: KEYS,
    });
    t.equal(local.status, 201, 'http is allowed for loopback hosts');
    t.equal((await s.asUser('u1', 'PATCH', `${ME}/${'x'.repeat(100)}`, {})).status, 400);
    t.equal((await s.asUser('u1', 'PATCH', `${ME}/dev_none`, { bogus: 1 })).status, 400);
  });

  t.test(`${backend}: services manage devices under /subscribers/{id}/devices`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const D = '/api/v1/subscribers/ada/devices';
    t.equal((await s.api('GET', D)).status, 404, 'the subscriber must exist');
    t.equal((await s.api('POST', D, { kind: 'fcm', token: 't1' })).status, 404);
    await ok(s, 'PUT', '/api/v1/subscribers/ada', {});
    await ok(s, 'PUT', '/api/v1/subscribers/bob', {});
    const created = await s.api('POST', D, { kind: 'fcm', token: 't1' });
    t.equal(created.status, 201);
    const moved = await s.api('POST', '/api/v1/subscribers/bob/devices', {
      kind: 'fcm',
      token: 't1',
    });
    t.equal(moved.status, 200, 'a token registered again moves to its new owner');
    t.equal(moved.body.subscriber_id, 'bob');
    t.same((await ok(s, 'GET', D)).data, []);
    const B = '/api/v1/subscribers/bob/devices';
    t.equal((await ok(s, 'GET', B)).data.length, 1);
    t.match(await ok(s, 'PATCH', `${B}/${created.body.id}`, { active: false }), { active: false });
    t.equal((await s.api('PATCH', `${D}/${created.body.id}`, { active: true })).status, 404);
    t.equal((await s.api('DELETE', `${B}/${created.body.id}`)).status, 204);
    t.equal((await s.api('DELETE', `${B}/${created.body.id}`)).status, 404);
  });
}
