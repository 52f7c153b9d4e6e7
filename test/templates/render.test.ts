import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { NotifydError } from '../../src/core/errors.js';
import { pickLocale, renderContent } from '../../src/templates/content.js';
import { TemplateEngine } from '../../src/templates/engine.js';
import { escapeHtml, htmlToText, textToHtml } from '../../src/templates/text.js';
import { checkVariables, fitsType } from '../../src/templates/variables.js';
import { startServer } from '../helpers/server.js';

const defaults = loadConfig({ env: {}, overrides: {} }).templates;
const field = { channel: 'sms', field: 'body' };

async function code(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (err) {
    return err instanceof NotifydError ? err.code : String(err);
  }
}

t.test('liquidjs loads on first use, and compiled fields are cached', async (t) => {
  const engine = new TemplateEngine({ ...defaults, cache_size: 2 });
  t.equal(engine.loaded, false, 'nothing loaded before the first template');
  const a = await engine.compile('a {{ x }}', 'text', field);
  t.equal(engine.loaded, true);
  t.equal(await engine.compile('a {{ x }}', 'text', field), a, 'the same text compiles once');
  await engine.compile('b', 'text', field);
  await engine.compile('a {{ x }}', 'text', field); // a is now the most recent
  await engine.compile('c', 'text', field); // b goes
  t.equal(await engine.compile('a {{ x }}', 'text', field), a);
  t.not(await engine.compile('a {{ x }}', 'html', field), a, 'by mode too');
  const none = new TemplateEngine({ ...defaults, cache_size: 0 });
  t.not(await none.compile('x', 'text', field), await none.compile('x', 'text', field));
  t.same(await engine.variables(await engine.compile('{{ u.name }}{{ n }}', 'text', field)), [
    'u',
    'n',
  ]);
});

t.test('filters, drops, escaping and the safe filter', async (t) => {
  const engine = new TemplateEngine(defaults);
  const render = async (src: string, scope: Record<string, unknown>, mode: 'text' | 'html') =>
    engine.render(await engine.compile(src, mode, field), mode, scope, field);
  t.equal(
    await render(
      '{{ n | plus: 1 }} {{ s | upcase | truncate: 4 }} {{ list | join: "," }}',
      {
        n: 1,
        s: 'hello',
        list: [1, 2],
      },
      'text',
    ),
    '2 H... 1,2',
  );
  t.equal(await render('{{ list }}', { list: ['a', ['b', null]] }, 'text'), 'ab');
  t.equal(await render('{{ d }}', { d: new Date(0) }, 'text'), new Date(0).toString());
  t.equal(
    await render('{{ x }} {{ x | safe }} {{ x | raw }}', { x: '<i>&</i>' }, 'html'),
    '&lt;i&gt;&amp;&lt;/i&gt; <i>&</i> <i>&</i>',
  );
  t.equal(await render('{{ x | safe }}', { x: '<i>' }, 'text'), '<i>');
  t.equal(
    await code(render('{{ 1 | divided_by: "x" | abs | nope }}', {}, 'text')),
    'TEMPLATE_SYNTAX_ERROR',
  );
  const thrown = await code(
    render(
      '{{ o.bad }}',
      {
        o: {
          get bad() {
            throw new Error('boom');
          },
        },
      },
      'text',
    ),
  );
  t.equal(thrown, 'TEMPLATE_RENDER_ERROR', 'a throwing value is a render error');
});

t.test('a render that recurses too deep is a 400', async (t) => {
  const engine = new TemplateEngine({ ...defaults, max_source_chars: 2_000_000 });
  const depth = 40_000;
  const src = `${'{% if true %}'.repeat(depth)}x${'{% endif %}'.repeat(depth)}`;
  const got = await code(
    (async () => engine.render(await engine.compile(src, 'text', field), 'text', {}, field))(),
  );
  t.match(got, /^TEMPLATE_(SYNTAX|RENDER)_ERROR$/);
});

t.test('variables: types, defaults, requirements', async (t) => {
  t.ok(fitsType('number', 3));
  t.notOk(fitsType('number', Number.NaN));
  t.notOk(fitsType('number', '3'));
  t.ok(fitsType('boolean', false));
  t.notOk(fitsType('boolean', 'false'));
  t.ok(fitsType('datetime', '2026-12-06T01:02:03Z'));
  t.ok(fitsType('datetime', '2026-12-06'));
  t.ok(fitsType('datetime', 1_700_000_000_000));
  t.notOk(fitsType('datetime', '2026-13-45'));
  t.notOk(fitsType('datetime', 'tomorrow'));
  t.ok(fitsType('url', 'https://x.test/a?b=1'));
  t.notOk(fitsType('url', 'javascript:alert(1)'));
  t.notOk(fitsType('url', 'https://'));
  t.ok(fitsType('string', ''));
  const v = (name: string, extra = {}) => ({
    name,
    type: 'string' as const,
    required: false,
    default: null,
    description: null,
    ...extra,
  });
  const scope = await checkVariables(
    [v('a'), v('b', { default: 'B' }), v('c', { required: true, default: 'C' })],
    { z: 1 },
    async () => null,
  );
  t.same(scope, { z: 1, a: null, b: 'B', c: 'C' });
});

t.test('locales: exact, parent, default, case-insensitive', async (t) => {
  const content = { locales: { fr: {}, 'pt-BR': {}, pt: {} }, default_locale: 'en' };
  t.equal(pickLocale(content, 'FR-ca').locale, 'fr');
  t.equal(pickLocale(content, 'pt-br').locale, 'pt-BR');
  t.equal(pickLocale(content, 'pt-PT').locale, 'pt');
  t.equal(pickLocale(content, 'en-US').locale, 'en');
  t.equal(pickLocale(content, null).locale, 'en');
  t.equal(pickLocale(content, '').variant, null);
  t.equal(pickLocale({ locales: { en: {} }, default_locale: 'en' }, 'en').variant, null);
});

t.test('email parts: text from HTML, HTML from text', async (t) => {
  t.equal(
    htmlToText(
      '<html><head><title>x</title><style>p{}</style></head><body><!-- hi --><h1>Title</h1>' +
        '<p>One&nbsp;&amp; two&#33; &#x263A; &bogus; &#0;</p><ul><li>a</li><li>b</li></ul>' +
        '<table><tr><td>c1</td><td>c2</td></tr></table>line<br/>break ' +
        '<a href="https://x.test">https://x.test</a> <a href="mailto:a@b.c">mail</a> ' +
        '<a href="#top">top</a> <a href="https://y.test"><img src="i.png"></a>' +
        '<script>alert(1)</script></body></html>',
    ),
    'Title\n\nOne & two! ☺ &bogus; &#0;\n\n- a\n- b\n\nc1 c2\n\nline\nbreak https://x.test mail top https://y.test',
  );
  t.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
  );
  t.equal(textToHtml('a\r\nb <c>'), 'a<br>\nb &lt;c&gt;');
});

t.test('renderContent renders only the channels asked that the template has', async (t) => {
  const engine = new TemplateEngine(defaults);
  const r = await renderContent(
    engine,
    {
      channels: { sms: { body: 'hi' }, push: { title: 'T', body: 'B' } },
      locales: {},
      default_locale: 'en',
      variables: [],
    },
    {},
    { channels: ['sms', 'email'] },
  );
  t.same(r, { locale: 'en', channels: ['sms'], contents: { sms: { body: 'hi' } } });
});

t.test("docs/templates.md's example saves and renders as it says", async (t) => {
  const doc = readFileSync(new URL('../../docs/templates.md', import.meta.url), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  t.ok(yaml);
  const s = await startServer(t);
  const created = await s.api('POST', '/api/v1/templates', parse(yaml as string));
  t.equal(created.status, 201, JSON.stringify(created.body));
  const payload = { name: 'Ada', order: 'A-17', tracking_url: 'https://t.test/A-17' };
  const en = await s.api('POST', '/api/v1/templates/order-shipped/render', { payload });
  t.equal(en.status, 200, JSON.stringify(en.body));
  t.match(en.body.contents, {
    in_app: { title: 'Order A-17 shipped', body: 'Hi Ada, it arrives Thursday 24 December.' },
    push: { body: 'Arriving Dec 24', data: { order: 'A-17' } },
    sms: { body: 'Ada, order A-17 is on its way: https://t.test/A-17' },
    email: { subject: 'Your order A-17 has shipped', text: /Track it \(https:\/\/t\.test\/A-17\)/ },
    webhook: { body: { event: 'order.shipped', customer: { name: 'Ada' } } },
  });
  const fr = await s.api('POST', '/api/v1/templates/order-shipped/render', {
    payload: { name: 'Ada', order: 'A-17' },
    locale: 'fr-CA',
    channels: ['sms', 'email', 'in_app'],
  });
  t.equal(fr.body.locale, 'fr');
  t.equal(fr.body.contents.sms.body, 'Ada, votre commande A-17 est en route.');
  t.equal(fr.body.contents.in_app.title, 'Commande A-17 expédiée');
  t.notOk(fr.body.contents.in_app.action_url, 'no tracking url: left out');
  // The action's url too: it used to be answered (and stored in the feed) as "".
  t.same(
    fr.body.contents.in_app.actions[0],
    { id: 'track', label: 'Track A-17', type: 'primary' },
    'no tracking url: the action has none',
  );
  t.equal(en.body.contents.in_app.actions[0].url, 'https://t.test/A-17');
  t.notMatch(fr.body.contents.email.html, /Track it/);
});
