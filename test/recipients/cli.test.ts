import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY } from '../helpers/server.js';
import { serverOn } from './servers.js';

t.test('subscriber, topic and category commands against a real server', async (t) => {
  const s = (await serverOn(t, 'memory'))!;
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = cliIO(env);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };

  const set = await run([
    'subscriber',
    'set',
    'ada',
    '--email',
    'ada@example.com',
    '--phone',
    '+33612345678',
    '--timezone',
    'Europe/Paris',
    '--locale',
    'fr',
    '--name',
    'Ada',
    '--avatar-url',
    'https://example.com/a.png',
    '--data',
    '{"plan":"pro"}',
  ]);
  t.match(set.out(), /email\s+ada@example.com/);
  t.match(set.out(), /data\s+\{"plan":"pro"\}/);
  await run(['subscriber', 'upsert', 'bob', '--name', 'Bob']);
  const cleared = JSON.parse(
    (await run(['subscriber', 'set', 'bob', '--name', '-', '--json'])).out(),
  );
  t.equal(cleared.name, null);
  await run(['subscriber', 'set', 'bob', '--data', '-']);
  const badData = await run(['subscriber', 'set', 'bob', '--data', '{nope'], 1);
  t.match(badData.err(), /--data must be a JSON object/);
  const badPhone = await run(['subscriber', 'set', 'bob', '--phone', '12'], 1);
  t.match(badPhone.err(), /VALIDATION_ERROR \(400\).*phone/);
  t.match((await run(['subscriber', 'show', 'bob'])).out(), /id\s+bob/);
  t.match(JSON.parse((await run(['subscriber', 'get', 'ada', '--json'])).out()), { id: 'ada' });
  await run(['subscriber', 'get', 'nobody'], 1);

  const list = await run(['subscriber', 'list', '--limit', '1']);
  t.match(list.out(), /^ID\s+EMAIL\s+PHONE\s+NAME\nada\s+ada@example.com/);
  const cursor = /--cursor (\S+)/.exec(list.out())?.[1];
  t.ok(cursor, 'a cursor for more');
  t.match((await run(['subscriber', 'list', '--cursor', cursor!])).out(), /bob/);
  const byEmail = JSON.parse(
    (await run(['subscriber', 'list', '--email', 'ADA@example.com', '--json'])).out(),
  );
  t.same(
    byEmail.data.map((x: { id: string }) => x.id),
    ['ada'],
  );

  // Categories.
  const cat = await run([
    'category',
    'create',
    'billing',
    '--name',
    'Billing',
    '--channels',
    'in_app, email',
    '--description',
    'Money',
  ]);
  t.match(cat.out(), /billing: Billing \[in_app, email\], version 1/);
  await run([
    'category',
    'create',
    'invoices',
    '--name',
    'Invoices',
    '--parent',
    'billing',
    '--mandatory',
  ]);
  t.match((await run(['category', 'get', 'invoices'])).out(), /mandatory \(in billing\)/);
  const updated = await run(['category', 'update', 'invoices', '--no-mandatory', '--name', 'Inv']);
  t.match(updated.out(), /invoices: Inv \[in_app\] \(in billing\), version 2/);
  t.match((await run(['category', 'list'])).out(), /billing\s+Billing\s+in_app,email/);
  await run(['category', 'delete', 'invoices']);
  await run(['category', 'get', 'invoices'], 1);

  // Topics.
  t.match(
    (await run(['topic', 'create', 'news', '--name', 'News', '--description', 'Daily'])).out(),
    /news \(top_\w+\): News, 0 subscribers/,
  );
  t.match((await run(['topic', 'add', 'news', 'ada', 'bob'])).out(), /added 2; news has 2/);
  t.match((await run(['topic', 'members', 'news', '--limit', '1'])).out(), /ada\nmore: --cursor/);
  t.same(JSON.parse((await run(['topic', 'members', 'news', '--json'])).out()).data, [
    'ada',
    'bob',
  ]);
  t.match((await run(['topic', 'remove', 'news', 'bob', '--json'])).out(), /"removed": 1/);
  t.match((await run(['topic', 'get', 'news'])).out(), /1 subscriber$/m);
  t.match((await run(['topic', 'list'])).out(), /news\s+News\s+1/);
  await run(['topic', 'add', 'news', 'ghost'], 1);

  // Export and erasure.
  const exported = JSON.parse((await run(['subscriber', 'export', 'ada'])).out());
  t.match(exported, { subscriber: { id: 'ada' }, topics: ['news'] });
  t.match(
    (await run(['subscriber', 'delete', 'ada'])).out(),
    /Erased subscriber ada: 0 notifications, 0 devices, 1 topic memberships\./,
  );
  await run(['subscriber', 'delete', 'ada'], 1);
  await run(['subscriber', 'set', 'cy', '--name', 'Cy']);
  await s.asUser('cy', 'PUT', '/api/v1/me/preferences', { global_enabled: false });
  t.match(JSON.parse((await run(['subscriber', 'delete', 'cy', '--json'])).out()), {
    erased: { preferences: true },
  });
  t.match((await run(['topic', 'delete', 'news'])).out(), /Deleted topic news/);
});
