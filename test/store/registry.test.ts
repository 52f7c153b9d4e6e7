import t from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { BACKEND_NAMES, traitsOf } from '../../src/store/backends.js';
import { backendsOf, placeConcerns, STORE_CONCERNS } from '../../src/store/placement.js';
import { adapterOf, type StoreSettings } from '../../src/store/registry.js';

const defaults = loadConfig({ env: {} }).store;
const settings = (over: Partial<StoreSettings>): StoreSettings => ({ ...defaults, ...over });

t.test('every backend has an adapter with its traits; those with a schema migrate', async (t) => {
  for (const name of BACKEND_NAMES) {
    const adapter = adapterOf(name);
    t.equal(adapter.name, name);
    t.same(adapter.traits, traitsOf(name));
    t.equal(typeof adapter.migrate === 'function', adapter.traits.schema, `${name} migrate`);
  }
});

t.test('a backend describes where it keeps its data, for logs', async (t) => {
  const s = settings({ sqlite: { ...defaults.sqlite, path: './x/n.db' } });
  t.equal(adapterOf('sqlite').describe(s), 'sqlite ./x/n.db');
  t.equal(adapterOf('postgres').describe(s), 'postgres');
  t.equal(adapterOf('redis').describe(s), 'redis');
  t.equal(adapterOf('memory').describe(s), 'memory');
});

t.test('concerns live on store.backend unless placed elsewhere', async (t) => {
  const on = (over: Partial<StoreSettings>) => placeConcerns(settings(over));
  const postgres = on({ backend: 'postgres' });
  for (const concern of STORE_CONCERNS) t.equal(postgres[concern], 'postgres', concern);
  t.same(backendsOf('postgres', postgres), ['postgres']);

  const sqlite = on({ backend: 'sqlite' });
  t.equal(sqlite.ratelimit, 'memory', 'limiter state on SQLite stays in the process');
  t.equal(sqlite.counters, 'sqlite', 'counters do not');
  t.same(backendsOf('sqlite', sqlite), ['sqlite', 'memory']);
  t.equal(on({ backend: 'sqlite', ratelimit: 'sqlite' }).ratelimit, 'sqlite', 'unless named');

  const split = on({ backend: 'sqlite', ratelimit: 'redis', queues: 'postgres' });
  t.match(split, {
    notifications: 'sqlite',
    objects: 'sqlite',
    counters: 'redis',
    ratelimit: 'redis',
    queues: 'postgres',
  });
  t.same(backendsOf('sqlite', split), ['sqlite', 'redis', 'postgres']);
});
