// The members of bench/topic-fanout.mjs, written through the store's own calls (subscribers,
// devices, preferences) before the daemon starts, and what routing must make of them.
const TENANT = 'default';
const IN_FLIGHT = 64;

export const CATEGORY = {
  id: 'bench-orders',
  name: 'Orders',
  default_channels: ['in_app', 'push', 'email'],
};

export const TEMPLATE = {
  key: 'bench-topic-order',
  name: 'Order shipped',
  category: CATEGORY.id,
  channels: {
    in_app: { title: 'Hi {{ name }}', body: 'Order {{ order }} has shipped' },
    push: { title: 'Order {{ order }}', body: 'On its way, {{ name }}' },
    email: {
      subject: 'Order {{ order }} shipped',
      html: '<p>{{ name }}, order {{ order }} is on its way.</p>',
      text: '{{ name }}, order {{ order }} is on its way.',
    },
  },
};

/** m000000, m000001, …: ascending, the order the fan-out pages them in. */
export const memberIds = (n) =>
  Array.from({ length: n }, (_, i) => `m${String(i).padStart(6, '0')}`);

const indexOf = (id) => Number(id.slice(1));
const hasDevice = (i) => i % 2 === 0;

/** What member i set: nothing, email off, the category muted, or quiet hours all day. */
function preferencesOf(i) {
  switch (i % 10) {
    case 1:
      return { channels: { email: { enabled: false } } };
    case 2:
      return { categories: { [CATEGORY.id]: { is_muted: true } } };
    case 3:
      // No zone of its own: the subscriber's (routing reads it), as most apps leave it.
      return { quiet_hours: { enabled: true, start_time: '00:00', end_time: '23:59' } };
    default:
      return null;
  }
}

/**
 * Routed deliveries the seed implies: a muted member gets nothing (skipped); the others get
 * in_app, push when they have a device (quiet hours defer it, it is still routed) and email
 * unless they switched it off.
 */
export function expectedRouted(ids) {
  let deliveries = 0;
  let notifications = 0;
  for (const id of ids) {
    const i = indexOf(id);
    if (i % 10 === 2) continue;
    notifications++;
    deliveries += 1 + (hasDevice(i) ? 1 : 0) + (i % 10 === 1 ? 0 : 1);
  }
  return { deliveries, notifications };
}

async function inParallel(items, n, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: n }, worker));
}

/** Writes every member's subscriber record, device and preferences. */
export async function seedMembers(store, ids) {
  const now = Date.now();
  await inParallel(ids, IN_FLIGHT, async (id) => {
    const i = indexOf(id);
    await store.subscribers.upsert(
      TENANT,
      { id, email: `${id}@bench.example`, timezone: i % 3 === 0 ? 'Europe/Paris' : 'UTC' },
      now,
    );
    if (hasDevice(i)) {
      await store.devices.register({
        id: `dev_bench${id}`,
        tenant_id: TENANT,
        subscriber_id: id,
        kind: 'fcm',
        endpoint: null,
        keys: null,
        token: `bench-token-${id}`,
        active: true,
        last_used_at: null,
        failure_count: 0,
        created_at: now,
        updated_at: now,
        info: null,
      });
    }
    const prefs = preferencesOf(i);
    if (prefs) await store.preferences.put(TENANT, id, { data: prefs, updated_at: now });
  });
}
