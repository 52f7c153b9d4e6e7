import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { payloadOf } from '../../src/cli/template.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const YAML = `key: order-shipped
name: Order shipped
category: orders
channels:
  in_app:
    title: "Order {{ order.id }} shipped"
    body: "It arrives {{ eta | date: '%b %d' }}."
  sms:
    body: "Order {{ order.id }} is on its way"
  email:
    subject: "Your order {{ order.id }}"
    html: "<p>Hi {{ name }}, order <b>{{ order.id }}</b> shipped.</p>"
locales:
  fr:
    sms:
      body: "Commande {{ order.id }} en route"
variables:
  - name: name
    required: true
  - name: eta
    type: datetime
    default: "2026-12-24"
`;

t.test('template create|list|get|update|render|versions|activate|delete', async (t) => {
  const s = await startServer(t);
  const dir = mkdtempSync(join(tmpdir(), 'notifyd-tpl-'));
  writeFileSync(join(dir, 'shipped.yaml'), YAML);
  writeFileSync(join(dir, 'change.json'), JSON.stringify({ description: 'v2' }));
  writeFileSync(join(dir, 'payload.yaml'), 'name: Ada\norder:\n  id: A-1\n');
  writeFileSync(join(dir, 'draft.yaml'), 'channels:\n  sms:\n    body: "n={{ n }}"\n');
  writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
  writeFileSync(join(dir, 'bad.yaml'), 'a: [\n');
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = cliIO(env, dir);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };

  const created = await run(['template', 'create', '-f', 'shipped.yaml']);
  t.match(created.out(), /^order-shipped \(tpl_\w+, default, version 1\)/);
  t.match(created.out(), /channels\s+in_app, sms, email/);
  t.match(created.out(), /locales\s+en \(default\), fr/);
  t.match(created.out(), /variables\s+name\*: string, eta: datetime/);
  const other = await run([
    'template',
    'create',
    '-f',
    'shipped.yaml',
    '--template-key',
    'other',
    '--name',
    'Other',
    '--inactive',
    '--json',
  ]);
  t.match(JSON.parse(other.out()), { key: 'other', name: 'Other', is_active: false });
  const global = await run([
    'template',
    'create',
    '-f',
    'shipped.yaml',
    '--template-key',
    'g',
    '--global',
    '--json',
  ]);
  t.equal(JSON.parse(global.out()).tenant_id, null);

  const list = await run(['template', 'list']);
  t.match(list.out(), /KEY\s+ID\s+TENANT\s+NAME\s+CHANNELS\s+VERSION\s+STATUS/);
  t.match(
    list.out(),
    /order-shipped\s+tpl_\w+\s+default\s+Order shipped\s+in_app,sms,email\s+1\s+active/,
  );
  t.match(list.out(), /g\s+tpl_\w+\s+\(global\)/);
  t.match((await run(['template', 'list', '--inactive'])).out(), /other/);
  t.notMatch((await run(['template', 'list', '--active'])).out(), /\bother\b/);
  t.match(
    (await run(['template', 'list', '--search', 'oth', '--category', 'orders'])).out(),
    /other/,
  );
  t.match((await run(['template', 'list', '--per-page', '1'])).out(), /page 1 of 3/);
  t.equal(JSON.parse((await run(['template', 'list', '--json'])).out()).total, 3);

  t.match((await run(['template', 'show', 'order-shipped'])).out(), /^order-shipped/);
  t.match((await run(['template', 'get', 'order-shipped'])).out(), /category\s+orders/);

  const updated = await run(['template', 'update', 'order-shipped', '-f', 'change.json']);
  t.match(updated.out(), /version 2\)/);
  t.match(updated.out(), /\n {2}v2\n/);
  await run(['template', 'update', 'order-shipped', '--name', 'Shipped', '--inactive']);
  t.match((await run(['template', 'update', 'order-shipped', '--active'])).out(), /version 4\)$/m);
  t.match((await run(['template', 'update', 'order-shipped'], 1)).err(), /nothing to change/);

  const rendered = await run([
    'template',
    'render',
    'order-shipped',
    '-p',
    'name=Ada <3',
    '-p',
    'order.id="A-7"',
    '--payload',
    'order.n=2',
  ]);
  t.match(
    rendered.out(),
    /^locale en\n\[in_app\]\n {2}title: Order A-7 shipped\n {2}body: It arrives Dec 24\.\n/,
  );
  t.match(rendered.out(), /html: <p>Hi Ada &lt;3, order <b>A-7<\/b> shipped\.<\/p>/);
  t.match(rendered.out(), /text: Hi Ada <3, order A-7 shipped\./);
  const fr = await run([
    'template',
    'render',
    'order-shipped',
    '--payload-file',
    'payload.yaml',
    '--locale',
    'fr',
    '--channel',
    'sms',
    '--json',
  ]);
  t.same(JSON.parse(fr.out()).contents, { sms: { body: 'Commande A-1 en route' } });
  const v1 = await run([
    'template',
    'render',
    'order-shipped',
    '--payload-file',
    'payload.yaml',
    '--template-version',
    '1',
    '--json',
  ]);
  t.equal(JSON.parse(v1.out()).template.version, 1);
  const draft = await run(['template', 'render', '-f', 'draft.yaml', '-p', 'n=3']);
  t.equal(draft.out(), 'locale en\n[sms]\n  body: n=3\n');
  t.match((await run(['template', 'render'], 1)).err(), /name the template, or give --file/);
  t.match(
    (await run(['template', 'render', 'order-shipped'], 1)).err(),
    /MISSING_VARIABLE \(400\).*name/,
  );

  const versions = await run(['template', 'versions', 'order-shipped']);
  t.match(versions.out(), /VERSION\s+NAME\s+STATUS\s+MADE/);
  t.match(versions.out(), /4\s+current\s+Shipped\s+active/);
  t.match(versions.out(), /1\s+Order shipped\s+active/);
  t.match(
    (await run(['template', 'versions', 'order-shipped', '--per-page', '2'])).out(),
    /page 1 of 2/,
  );
  t.equal(
    JSON.parse((await run(['template', 'versions', 'order-shipped', '--json'])).out()).total,
    4,
  );
  const one = await run(['template', 'versions', 'order-shipped', '--show', '1']);
  t.match(one.out(), /^order-shipped \(tpl_\w+, version 1\)/);
  t.notMatch(one.out(), /current/);
  t.match(
    (await run(['template', 'versions', 'order-shipped', '--show', '4'])).out(),
    /\(current\)/,
  );
  t.equal(
    JSON.parse(
      (await run(['template', 'versions', 'order-shipped', '--show', '2', '--json'])).out(),
    ).description,
    'v2',
  );
  t.match((await run(['template', 'activate', 'order-shipped', '1'])).out(), /version 5\)/);
  t.match((await run(['template', 'versions', 'order-shipped'])).out(), /5\s+current/);
  t.match(
    (await run(['template', 'versions', 'order-shipped', '--per-page', '1', '--page', '5'])).out(),
    /1\s+from|1\s+Order/,
  );
  await run(['template', 'update', 'order-shipped', '--name', 'again']);
  t.match(
    (await run(['template', 'versions', 'order-shipped', '--per-page', '1', '--page', '2'])).out(),
    /5\s+from 1/,
  );

  t.equal((await run(['template', 'delete', 'other'])).out(), 'Deleted template other.\n');
  t.match((await run(['template', 'get', 'other'], 1)).err(), /TEMPLATE_NOT_FOUND \(404\)/);

  t.match(
    (await run(['template', 'create', '-f', 'missing.yaml'], 1)).err(),
    /cannot read missing\.yaml/,
  );
  t.match((await run(['template', 'create', '-f', 'bad.yaml'], 1)).err(), /not valid YAML or JSON/);
  t.match((await run(['template', 'create', '-f', 'list.yaml'], 1)).err(), /one template/);
  t.match(
    (await run(['template', 'render', 'x', '-p', 'novalue'], 1)).err(),
    /expected name=value/,
  );
});

t.test('payloadOf reads JSON values and nests dotted names', async (t) => {
  t.same(payloadOf(['a=1', 'b=true', 'c=x', 'd.e=[1]', 'd.f="2"', 'g.h.i=null']), {
    a: 1,
    b: true,
    c: 'x',
    d: { e: [1], f: '2' },
    g: { h: { i: null } },
  });
  t.same(payloadOf(['a=1', 'a.b=2']), { a: { b: 2 } }, 'a nested name replaces a value');
});
