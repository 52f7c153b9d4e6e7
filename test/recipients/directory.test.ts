import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { EventBus } from '../../src/events/bus.js';
import { contextFor } from '../../src/modules/contract.js';
import { RecipientRecords } from '../../src/notifications/recipient-records.js';
import type { NotificationRecord } from '../../src/notifications/records.js';
import { createRecipientsModule } from '../../src/recipients/module.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';
import { KEYS } from './servers.js';

function recipients() {
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 12));
  const ids = createIdGenerator(clock);
  const logger = createLogger({ level: 'silent' });
  const bus = new EventBus(clock, ids, logger);
  const store = createMemoryStore();
  const shared = { store, bus, clock, ids, logger, metrics: undefined as never };
  const history = new RecipientRecords(store);
  const module = createRecipientsModule(contextFor(shared, {}, { history: () => history }));
  const heard: string[] = [];
  bus.subscribe((e) => {
    heard.push(`${e.type} ${JSON.stringify(e.data)}`);
  });
  return { module, store, clock, heard };
}

const caller = { key_id: 'k', tenant_id: 't1', tenant_bound: true, admin: false };

t.test('the directory sending reads', async (t) => {
  const { module, heard } = recipients();
  const { directory, devices, categories, topics, preferences } = module.services;
  t.equal(module.name, 'recipients');
  const ada = await directory.upsert('t1', { id: 'ada', email: 'ada@x.io', timezone: 'UTC' });
  t.match(ada, { id: 'ada', tenant_id: 't1', email: 'ada@x.io' });
  t.match(await directory.upsert('t1', { id: 'ada', name: 'Ada' }), {
    email: 'ada@x.io',
    name: 'Ada',
  });
  await t.rejects(directory.upsert('t1', { id: 'x', phone: '12' }), { code: 'VALIDATION_ERROR' });
  t.equal(await directory.get('t1', 'nobody'), null);
  t.equal(await directory.get('t2', 'ada'), null, 'tenants are apart');

  const web = await devices.register('t1', 'ada', {
    kind: 'webpush',
    endpoint: 'https://push.example.com/1',
    keys: KEYS,
  });
  const fcm = await devices.register('t1', 'ada', { kind: 'fcm', token: 'tok' });
  t.same(
    (await directory.activeDevices('t1', 'ada')).map((d) => d.id),
    [web.device.id, fcm.device.id],
  );
  await directory.deactivateDevice('t1', fcm.device.id, 'unregistered');
  await directory.deactivateDevice('t1', fcm.device.id, 'unregistered');
  await directory.deactivateDevice('t1', 'dev_none', 'gone');
  t.same(
    (await directory.activeDevices('t1', 'ada')).map((d) => d.id),
    [web.device.id],
  );
  t.match(await devices.get('t1', 'ada', fcm.device.id), { active: false, failure_count: 2 });
  t.equal(
    heard.filter((h) => h.startsWith('notification.device.unregistered')).length,
    1,
    'unregistered once, when it stopped being active',
  );

  await categories.create(caller, { id: 'billing', name: 'Billing', mandatory: true });
  t.match(await directory.category('t1', 'billing'), {
    id: 'billing',
    mandatory: true,
    default_channels: ['in_app'],
  });
  t.equal(await directory.category('t1', 'none'), null);

  await topics.create(caller, { key: 'news', name: 'News' });
  await module.services.subscribers.upsert('t1', 'bob', {});
  await module.services.subscribers.upsert('t1', 'cy', {});
  await topics.addMembers(caller, 'news', ['ada', 'bob', 'cy']);
  t.same(await directory.topicMembers('t1', 'news', null, 2), { ids: ['ada', 'bob'], next: 'bob' });
  t.same(await directory.topicMembers('t1', 'news', 'bob', 2), { ids: ['cy'], next: null });
  t.equal(await directory.topicMembers('t1', 'none', null, 2), null);
  t.equal(await directory.topicMembers('t2', 'news', null, 2), null, "another tenant's topic");

  t.same(
    await preferences.decide({
      tenantId: 't1',
      subscriberId: 'ada',
      category: 'billing',
      channels: ['in_app'],
      priority: 'low',
      now: Date.now(),
    }),
    { in_app: { deliver: true } },
  );
});

t.test('records: the export and erasure read and erase in pages', async (t) => {
  const made = (i: number) =>
    ({
      id: `ntf_${String(i).padStart(4, '0')}`,
      read_at: null,
      dismissed_at: null,
      action_id: null,
      actioned_at: null,
      expires_at: null,
      created_at: 0,
    }) as unknown as NotificationRecord;
  const all = Array.from({ length: 1203 }, (_, i) => made(i));
  let left = 1203;
  const store = {
    notifications: {
      listAll: async (_t: string, _r: string, after: string | null, limit: number) =>
        all.filter((n) => after === null || n.id > after).slice(0, limit),
      eraseRecipient: async (_t: string, _r: string, limit: number) => {
        const n = Math.min(left, limit);
        left -= n;
        return n;
      },
    },
    deliveries: { listByNotifications: async () => [] },
  } as unknown as Pick<Store, 'notifications' | 'deliveries'>;
  const records = new RecipientRecords(store);
  const first = await records.export('t', 'r', null, 1000);
  t.equal(first.items.length, 1000);
  t.equal(first.next, first.items[999]?.id, 'continued after the last one given');
  const rest = await records.export('t', 'r', first.next, 1000);
  t.equal(rest.items.length, 203);
  t.equal(rest.items[202]?.id, 'ntf_1202');
  t.equal(rest.next, null, 'the end');
  t.same(await records.export('t', 'r', 'ntf_1202', 5), { items: [], next: null });
  t.equal(await records.erase('t', 'r'), 1203);
});
