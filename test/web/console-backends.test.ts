import type { Page } from 'playwright-core';
import type { Test } from 'tap';
import t from 'tap';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openRedisStore } from '../../src/store/redis/index.js';
import type { Store } from '../../src/store/types.js';
import { newPage } from '../helpers/browser.js';
import { browserTests, openConsole } from '../helpers/console.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { deleteKeys } from '../helpers/redis.js';
import { type Overrides, type Running, startServer } from '../helpers/server.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';

const test = await browserTests(t);

/** Every page of the console, by its hash and the heading it shows. */
const PAGES: Array<[hash: string, heading: string]> = [
  ['overview', 'Overview'],
  ['alerts', 'Alerts'],
  ['send', 'Send & recent'],
  ['notifications', 'Notifications'],
  ['dead-letters', 'Dead letters'],
  ['templates', 'Templates'],
  ['categories', 'Categories'],
  ['subscribers', 'Subscribers'],
  ['topics', 'Topics'],
  ['workflows', 'Workflows'],
  ['providers', 'Providers'],
  ['keys', 'API keys'],
  ['webhooks', 'Webhooks'],
  ['policies', 'Policies'],
  ['rules', 'Rules'],
  ['plans', 'Plans'],
  ['bypass', 'Bypasses'],
  ['analytics', 'Query'],
  ['event-types', 'Event types'],
  ['report-definitions', 'Report definitions'],
  ['reports', 'Reports'],
  ['report-schedules', 'Report schedules'],
  ['funnels', 'Funnels'],
];

/** Some of everything, so that the pages have rows to read from the backend. */
async function seed(s: Running): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await s.api(method, path, body);
    if (res.status >= 300)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await ok('POST', '/api/v1/categories', { id: 'billing', name: 'Billing' });
  await ok('PUT', '/api/v1/subscribers/ada', { email: 'ada@example.test' });
  await ok('POST', '/api/v1/templates', {
    key: 'welcome',
    name: 'Welcome',
    channels: { in_app: { title: 'Hi {{ name }}', body: 'Welcome' } },
  });
  await ok('POST', '/api/v1/topics', { key: 'team', name: 'Team' });
  await ok('POST', '/api/v1/notifications', {
    recipient_id: 'ada',
    content: { title: 'Invoice', body: 'Ready' },
  });
  await ok('POST', '/api/v1/analytics/events', { event_type: 'signup', user_id: 'ada' });
  await ok('PUT', '/api/v1/subscribers/ada/preferences', {
    categories: { billing: { channels: { email: false } } },
    quiet_hours: {
      enabled: true,
      start_time: '22:00',
      end_time: '07:00',
      timezone: 'Europe/Paris',
    },
  });
  await ok('POST', '/api/v1/subscribers/ada/devices', { kind: 'fcm', token: 'fcm-token-of-ada' });
}

/** Visits every page: each shows its heading and no error (console errors fail the test). */
async function visitAll(t: Test, page: Page, s: Running): Promise<void> {
  await openConsole(page, s);
  for (const [hash, heading] of PAGES) {
    await page.goto(`${s.url}/ui/admin#/${hash}`);
    await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
    await page.waitForLoadState('networkidle');
    const errors = await page.locator('main .error').allTextContents();
    t.same(errors, [], `${heading}: no error`);
    if (hash === 'subscribers') {
      // One subscriber's page: profile, preferences as stored, devices.
      await page.getByRole('cell', { name: 'ada@example.test' }).waitFor();
      await page.getByRole('link', { name: 'Preferences & devices' }).click();
      const prefs = page.getByRole('region', { name: 'Preferences' });
      await prefs.getByRole('cell', { name: 'billing' }).waitFor();
      t.ok(await prefs.getByRole('cell', { name: 'email off' }).isVisible(), 'billing email off');
      t.match(await prefs.locator('pre').first().textContent(), /22:00/, 'quiet hours');
      const devices = page.getByRole('region', { name: 'Devices' });
      t.ok(await devices.getByRole('cell', { name: 'fcm', exact: true }).isVisible(), 'the device');
      t.same(await page.locator('main .error').allTextContents(), [], 'no error');
    }
  }
}

const backends: Array<
  [
    name: string,
    ready: (t: Test) => Promise<boolean>,
    open: (t: Test) => Promise<[Store, Overrides]>,
  ]
> = [
  [
    'Redis',
    requireRedis,
    async (t) => {
      const prefix = `notifyd-console-test:${process.pid}:`;
      t.teardown(() => deleteKeys(REDIS_URL, prefix));
      return [await openRedisStore({ url: REDIS_URL, prefix }), {}];
    },
  ],
  [
    'PostgreSQL',
    requirePostgres,
    async (t) => {
      const schema = uniqueSchema('notifyd_console');
      dropSchemaAfter(t, schema);
      return [await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 4 }), {}];
    },
  ],
];

for (const [name, ready, open] of backends) {
  test(`every console page works on ${name}`, async (t, browser) => {
    if (!(await ready(t))) return;
    const [store, overrides] = await open(t);
    const s = await startServer(t, overrides, store);
    await seed(s);
    await visitAll(t, await newPage(t, browser), s);
  });
}

test('every console page works on a node of a two-node cluster on Redis', async (t, browser) => {
  if (!(await requireRedis(t))) return;
  const prefix = `notifyd-console-cluster:${process.pid}:`;
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  const node = async (id: string) =>
    startServer(
      t,
      {
        store: { backend: 'redis', redis: { url: REDIS_URL, prefix } },
        cluster: { enabled: true, node_id: id, heartbeat_interval_ms: 100, node_ttl_ms: 400 },
      },
      await openRedisStore({ url: REDIS_URL, prefix }),
    );
  const a = await node('a');
  const b = await node('b');
  await seed(a);
  const page = await newPage(t, browser);
  await visitAll(t, page, b);
  // The overview on B counts both nodes, and B's notification search finds A's send.
  await page.goto(`${b.url}/ui/admin#/overview`);
  await page.getByText('2 nodes').first().waitFor();
  await page.goto(`${b.url}/ui/admin#/notifications`);
  await page.getByLabel('Recipient (user id)').fill('ada');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('Invoice').first().waitFor();
  t.pass('the send made on node A is found from node B');
});

test('the subscribers page pages by cursor, forward and back', async (t, browser) => {
  const s = await startServer(t);
  for (let i = 0; i < 55; i++) {
    const id = `user-${String(i).padStart(2, '0')}`;
    await s.api('PUT', `/api/v1/subscribers/${id}`, { email: `${id}@example.test` });
  }
  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.goto(`${s.url}/ui/admin#/subscribers`);
  const rows = page.locator('main tbody tr');
  await page.getByText('Page 1', { exact: true }).waitFor();
  t.equal(await rows.count(), 50, 'fifty on the first page');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Page 2', { exact: true }).waitFor();
  t.equal(await rows.count(), 5, 'the other five on the second');
  t.ok(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'no third page');
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.getByText('Page 1', { exact: true }).waitFor();
  t.equal(await rows.count(), 50, 'back to the first');
});

test('report schedules: listed, paused and resumed from the console', async (t, browser) => {
  const s = await startServer(t);
  const made = await s.api('POST', '/api/v1/reports/schedules', {
    name: 'morning',
    definition: 'notification-delivery',
    schedule: 'daily',
    time: '09:00',
    timezone: 'Europe/Berlin',
    delivery: { email: ['ops@example.test'] },
  });
  t.equal(made.status, 201, JSON.stringify(made.body));
  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Report schedules' }).click();
  const row = page.locator('tr', { hasText: 'morning' });
  await row.getByRole('cell', { name: 'Europe/Berlin' }).waitFor();
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.getByRole('button', { name: 'Resume' }).waitFor();
  t.equal((await s.api('GET', `/api/v1/reports/schedules/${made.body.id}`)).body.status, 'paused');
  await row.getByRole('button', { name: 'Resume' }).click();
  await row.getByRole('button', { name: 'Pause' }).waitFor();
  t.equal((await s.api('GET', `/api/v1/reports/schedules/${made.body.id}`)).body.status, 'active');
});
