import t from 'tap';
import { startServer } from '../helpers/server.js';

const T = '/api/v1/templates';

/** Renders an unsaved one-field template; answers the API's answer. */
const draft = (body: string, payload: Record<string, unknown> = {}) => ({
  template: { channels: { sms: { body } } },
  payload,
});

t.test('hostile templates get a 400, never a crash or a hang', async (t) => {
  const s = await startServer(t, {
    templates: {
      max_source_chars: 4000,
      render_timeout_ms: 300,
      memory_limit: 100_000,
      max_output_chars: 20_000,
    },
  });
  const render = (body: string, payload?: Record<string, unknown>) =>
    s.api('POST', `${T}/render`, draft(body, payload));

  const huge = await render('{% for i in (1..1000000000) %}x{% endfor %}');
  t.match(huge.body.error, {
    code: 'TEMPLATE_RENDER_ERROR',
    details: { channel: 'sms', field: 'body', limit: 'templates.memory_limit' },
  });

  const nested = await render(
    '{% for i in (1..3000) %}{% for j in (1..3000) %}{% for k in (1..3000) %}{% endfor %}{% endfor %}{% endfor %}',
  );
  t.equal(nested.status, 400);
  t.equal(nested.body.error.code, 'TEMPLATE_RENDER_ERROR');
  t.match(nested.body.error.details.limit, /templates\.(render_timeout_ms|memory_limit)/);

  const slow = await render(
    '{% for i in a %}{% for j in a %}{% for k in a %}{% for l in a %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}',
    { a: Array.from({ length: 300 }, (_, i) => i) },
  );
  t.match(slow.body.error, {
    code: 'TEMPLATE_RENDER_ERROR',
    details: { limit: 'templates.render_timeout_ms' },
  });

  const big = 'x'.repeat(10_000);
  const long = await render('{% for i in (1..100) %}{{ big }}{% endfor %}', { big });
  t.match(long.body.error, {
    code: 'TEMPLATE_RENDER_ERROR',
    details: { limit: 'templates.max_output_chars' },
  });
  const captured = await render(
    '{% capture a %}{% for i in (1..100) %}{{ big }}{% endfor %}{% endcapture %}{{ a | size }}',
    { big },
  );
  t.match(
    captured.body.error.details,
    { limit: 'templates.max_output_chars' },
    'a capture is bounded too',
  );
  const doubled = await render(
    '{% assign s = big %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
    { big },
  );
  t.match(doubled.body.error.details, { limit: 'templates.memory_limit' });

  const deep = await render(`${'{% if true %}'.repeat(150)}x${'{% endif %}'.repeat(150)}`);
  t.equal(deep.status, 200, 'moderate nesting renders');
  t.equal(deep.body.contents.sms.body, 'x');

  const tooLong = await render(`${'{% if true %}'.repeat(200)}x${'{% endif %}'.repeat(200)}`);
  t.match(tooLong.body.error, {
    code: 'TEMPLATE_SYNTAX_ERROR',
    details: { reason: /longer than templates\.max_source_chars/ },
  });

  const proto = await render('{{ x.constructor }}{{ x.__proto__ }}', { x: {} });
  t.match(proto.body.error, { code: 'MISSING_VARIABLE', details: { variable: 'x.constructor' } });

  const partial = await render('{% render "../../etc/passwd" %}');
  t.equal(partial.body.error.code, 'TEMPLATE_SYNTAX_ERROR');
  const layout = await render('{% layout "x" %}');
  t.equal(layout.body.error.code, 'TEMPLATE_SYNTAX_ERROR');

  const filterFails = await render('{{ "x" | date: 5 }}{{ 1 | divided_by: 0 }}');
  t.equal(filterFails.status, 200, 'liquidjs answers Infinity, not an error');

  // The server still answers.
  t.equal((await render('still {{ ok }}', { ok: 'here' })).body.contents.sms.body, 'still here');
});

t.test('deep nesting within a large source limit is a 400, not a crash', async (t) => {
  const s = await startServer(t, { templates: { max_source_chars: 1_000_000 } });
  const depth = 20_000;
  const body = `${'{% if true %}'.repeat(depth)}x${'{% endif %}'.repeat(depth)}`;
  const res = await s.api('POST', `${T}/render`, draft(body));
  t.equal(res.status, 400);
  t.match(res.body.error.code, /TEMPLATE_(SYNTAX|RENDER)_ERROR/);
  const ok = await s.api('POST', `${T}/render`, draft('fine'));
  t.equal(ok.status, 200);
});
