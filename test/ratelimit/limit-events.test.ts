import t from 'tap';
import { LimitEvents } from '../../src/ratelimit/limit-events.js';
import type { ResolvedLimit } from '../../src/ratelimit/resolver.js';
import type { Decision } from '../../src/ratelimit/spec.js';

const limit: ResolvedLimit = {
  spec: { algorithm: 'fixed_window', max_requests: 10, window_seconds: 60 },
  key: 'default:pol:0:user=u',
  scope: 'user',
  cost: 1,
  policy: { id: 'pol', name: 'api', priority: 0 },
  rule: { id: 'rlr_1' },
  throttle: { mode: 'reject' },
};

const decision = (over: Partial<Decision>): Decision => ({
  allowed: true,
  limit: 10,
  remaining: 5,
  used: 5,
  reset_at: 60_000,
  retry_after_ms: 0,
  ...over,
});

t.test('each event once per key and window, with what a receiver needs', async (t) => {
  const seen: Array<[string, string | null, Record<string, unknown>]> = [];
  const events = new LimitEvents((type, tenant, data) => seen.push([type, tenant, data]), 0.8);
  events.observe('t1', limit, decision({ used: 7, remaining: 3 }), 1);
  t.same(seen, [], 'under 80%: nothing');
  events.observe('t1', limit, decision({ used: 8, remaining: 2 }), 1);
  events.observe('t1', limit, decision({ used: 9, remaining: 1 }), 1);
  t.same(
    seen.map(([type]) => type),
    ['ratelimit.limit_approached'],
    'crossing 80% once',
  );
  t.match(seen[0], [
    'ratelimit.limit_approached',
    't1',
    { key: limit.key, scope: 'user', policy: 'api', rule_id: 'rlr_1', limit: 10, share: 0.8 },
  ]);
  const refused = decision({ allowed: false, used: 10, remaining: 0, retry_after_ms: 1500 });
  events.observe('t1', limit, refused, 1);
  events.observe('t1', limit, refused, 1);
  t.same(
    seen.slice(1).map(([type, , data]) => [type, data.retry_after_seconds]),
    [['ratelimit.limit_exceeded', 2]],
    'exceeded once in the window',
  );
  events.observe('t1', limit, { ...refused, reset_at: 120_000 }, 1);
  t.equal(seen.at(-1)![0], 'ratelimit.limit_exceeded', 'and again in the next window');
});

t.test('burst use, and the penalty box entered and left', async (t) => {
  const seen: string[] = [];
  const events = new LimitEvents((type) => seen.push(type), 0.8);
  const burst = { remaining: 3, total: 5, used_now: true, cooldown_until: null };
  events.observe('t1', limit, decision({ used: 2, burst }), 1);
  t.same(seen, ['ratelimit.burst_used']);
  events.observe(
    't1',
    limit,
    decision({ allowed: false, used: 2, penalty: { until: 90_000, entered: true } }),
    1,
  );
  events.observe('t1', limit, decision({ used: 1, penalty: { until: 90_000, entered: false } }), 1);
  events.observe('t1', limit, decision({ used: 1, penalty: { until: null, entered: false } }), 1);
  t.same(seen, [
    'ratelimit.burst_used',
    'ratelimit.limit_exceeded',
    'ratelimit.penalty_box_entered',
    'ratelimit.penalty_box_exited',
  ]);
});
