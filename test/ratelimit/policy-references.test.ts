import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import type { Caller } from '../../src/objects/repository.js';
import { RateLimitAdmin } from '../../src/ratelimit/admin.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { ObjectStore } from '../../src/store/types.js';

const admin: Caller = { key_id: 'admin', tenant_id: 't1', tenant_bound: false, admin: true };
const POLICY = 'ratelimit_policy';

/**
 * An admin on a store that runs `before` once, just before its first `op` on objects of
 * `kind`: a second admin's request, landing in the middle of this one.
 */
function setup(
  op: 'create' | 'update' | 'remove',
  kind: string,
  before: (other: RateLimitAdmin) => Promise<unknown>,
) {
  const clock = new FakeClock();
  const store = createMemoryStore().objects;
  let armed = false;
  const cut: ObjectStore = Object.create(store);
  cut[op] = (async (...args: unknown[]) => {
    const of = typeof args[0] === 'string' ? args[0] : (args[0] as { kind: string }).kind;
    if (armed && of === kind) {
      armed = false;
      await before(other);
    }
    return (store[op] as (...a: unknown[]) => unknown)(...args);
  }) as never;
  const make = (s: ObjectStore) =>
    new RateLimitAdmin({ store: s, clock, ids: createIdGenerator(clock), cacheMs: 0 });
  const other = make(store);
  return { rl: make(cut), other, arm: () => (armed = true) };
}

const policy = {
  name: 'free',
  limits: [{ scope: 'api_key', max_requests: 5, window_seconds: 60 }],
};
const rule = { policy_id: 'free', target: { type: 'api_key' as const } };

t.test(
  'a rule created while its policy is being deleted makes the delete look again',
  async (t) => {
    const { rl, arm } = setup('remove', POLICY, (other) => other.rules.create(admin, rule));
    await rl.policies.create(admin, policy as never);
    arm();
    await t.rejects(rl.policies.remove(admin, 'free'), { code: 'POLICY_IN_USE' });
    t.equal((await rl.rules.list(admin, {})).total, 1, 'the rule stands, and so does its policy');
    t.ok(await rl.policies.get(admin, 'free'));
  },
);

t.test('a policy deleted while a rule to it is being created takes the rule back', async (t) => {
  const { rl, other, arm } = setup('create', 'ratelimit_rule', (o) =>
    o.policies.remove(admin, 'free'),
  );
  await rl.policies.create(admin, policy as never);
  arm();
  await t.rejects(rl.rules.create(admin, rule), { code: 'POLICY_NOT_FOUND' });
  t.equal((await other.rules.list(admin, {})).total, 0, 'no rule points at nothing');
});

t.test('the same holds for a plan', async (t) => {
  const { rl, other, arm } = setup('create', 'ratelimit_plan', (o) =>
    o.policies.remove(admin, 'free'),
  );
  await rl.policies.create(admin, policy as never);
  arm();
  await t.rejects(rl.plans.create(admin, { plan: 'free', policy_id: 'free' }), {
    code: 'POLICY_NOT_FOUND',
  });
  t.equal((await other.plans.list(admin, {})).total, 0);
});

t.test('a rule moved to a policy being deleted keeps the policy it had', async (t) => {
  const { rl, other, arm } = setup('update', 'ratelimit_rule', (o) =>
    o.policies.remove(admin, 'gone'),
  );
  await rl.policies.create(admin, policy as never);
  await rl.policies.create(admin, { ...policy, name: 'gone' } as never);
  const created = await rl.rules.create(admin, rule);
  const free = await rl.policies.get(admin, 'free');
  arm();
  await t.rejects(rl.rules.update(admin, created.id, { policy_id: 'gone' }), {
    code: 'POLICY_NOT_FOUND',
  });
  t.equal((await other.rules.get(admin, created.id)).data.policy_id, free.id);
});
