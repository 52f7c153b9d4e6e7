import t from 'tap';
import { compileEventPatterns, EVENT_PATTERN } from '../../src/webhooks/event-pattern.js';

t.test('exact types and globs', async (t) => {
  const m = compileEventPatterns(['ratelimit.*', 'notification.delivered', '*.deleted']);
  t.ok(m('ratelimit.policy_created'));
  t.ok(m('ratelimit.penalty_box.entered'), '* crosses dots');
  t.notOk(m('ratelimit'), 'the dot is literal');
  t.ok(m('notification.delivered'));
  t.notOk(m('notification.delivered_late'));
  t.ok(m('template.deleted'));
  t.notOk(m('templatexdeleted'), 'a dot is not any character');
  t.ok(compileEventPatterns(['*'])('anything.at.all'));
  t.ok(compileEventPatterns(['ratelimit.policy_*'])('ratelimit.policy_updated'));
  t.notOk(compileEventPatterns(['ratelimit.policy_*'])('ratelimit.rule_updated'));
});

t.test('what a pattern may look like', async (t) => {
  const re = new RegExp(EVENT_PATTERN);
  for (const ok of ['*', 'ratelimit.*', 'a.b_c.d1', '*.deleted', 'ratelimit.policy_*']) {
    t.ok(re.test(ok), ok);
  }
  for (const bad of ['', '.', 'a.', '.a', 'a..b', 'A.b', 'a b', 'a/b', 'a.b-c']) {
    t.notOk(re.test(bad), JSON.stringify(bad));
  }
});
