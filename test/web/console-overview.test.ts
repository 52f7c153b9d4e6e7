import type { Page } from 'playwright-core';
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { newPage, screenshot } from '../helpers/browser.js';
import { browserTests, openConsole } from '../helpers/console.js';
import { type Running, startServer } from '../helpers/server.js';
import { fixture } from '../providers/setup.js';

const test = await browserTests(t);
const MIN = 60_000;
/** Two scripted SMS providers, for the health list. */
const providers = {
  sms: [
    { name: 'main', plugin: fixture('sms') },
    { name: 'backup', plugin: fixture('sms'), priority: 1 },
  ],
};
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The last 40 minutes as a busy hour looks, recorded as the engine records it: notifications
 * accepted, their deliveries handed to providers by channel, confirmed or (a few) failed.
 * The charts have history to draw next to the live send. Resolves to the sends per channel
 * and the notifications accepted.
 */
async function history(s: Running, now: number) {
  const events: Array<{ event_type: string; timestamp: string; properties: object }> = [];
  const sent: Record<string, number> = {};
  let accepted = 0;
  const record = (type: string, at: number, properties: object = {}) =>
    events.push({ event_type: `notification.${type}`, timestamp: iso(at), properties });
  for (let m = 40; m >= 2; m--) {
    const at = now - m * MIN;
    const wave = 3 + Math.round(3 * Math.sin(m / 5) + 3);
    const perChannel: Record<string, number> = {
      email: wave,
      push: Math.round(wave / 2),
      sms: m % 7 === 0 ? 2 : 1,
      webhook: m % 3 === 0 ? 1 : 0,
    };
    for (let i = 0; i < wave + 4; i++) record('accepted', at + i * 500);
    accepted += wave + 4;
    for (const [channel, n] of Object.entries(perChannel)) {
      sent[channel] = (sent[channel] ?? 0) + n;
      for (let i = 0; i < n; i++) {
        record('sent', at + 1000 + i * 500, { channel });
        const outcome = channel === 'sms' && m % 14 === 0 ? 'failed' : 'delivered';
        record(outcome, at + 5000 + i * 500, { channel });
      }
    }
  }
  for (let i = 0; i < events.length; i += 1000) {
    const res = await s.api('POST', '/api/v1/analytics/events/batch', {
      events: events.slice(i, i + 1000),
    });
    if (res.body.accepted !== Math.min(1000, events.length - i)) {
      throw new Error(JSON.stringify(res.body));
    }
  }
  return { sent, accepted };
}

/** The total a chart's legend gives a series. */
const legendTotal = (page: Page, chart: string, series: string) =>
  page
    .getByRole('region', { name: chart })
    .locator(`.legend li[data-series="${series}"] b`)
    .textContent();

test('the overview charts sends per minute by channel, and a new send shows up live', async (t, browser) => {
  // Buffered analytics are written every 50 ms here, so the next refresh has the send.
  const s = await startServer(t, { analytics: { flush_interval_ms: 50 }, providers });
  const { sent, accepted } = await history(s, Date.now());
  const page = await newPage(t, browser);
  await openConsole(page, s);
  const chart = page.getByRole('region', { name: 'Sends per minute by channel' });
  await chart.locator('.legend li[data-series="sms"]').waitFor();
  t.equal(await legendTotal(page, 'Sends per minute by channel', 'sms'), String(sent.sms));
  t.equal(await legendTotal(page, 'Sends per minute by channel', 'email'), String(sent.email));
  t.ok((await chart.locator('rect[data-series="webhook"]').count()) > 0, 'webhook has bars');
  const tile = page.getByRole('region', { name: 'Accepted', exact: true });
  t.equal(await tile.locator('strong').textContent(), String(accepted));

  // A send over HTTP by SMS: the page shows it at its next refresh, without a reload.
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient: { id: 'erin', phone: '+15550100' },
    channels: ['sms'],
    content: { title: 'Live', body: 'Counted in the overview' },
  });
  t.equal(res.status, 202, JSON.stringify(res.body));
  await chart
    .locator('.legend li[data-series="sms"] b', { hasText: new RegExp(`^${sent.sms! + 1}$`) })
    .waitFor({ timeout: 30_000 });
  await tile.locator('strong', { hasText: new RegExp(`^${accepted + 1}$`) }).waitFor();
  t.pass('the send is counted in the chart and the figures');

  // An in-app send: committed to erin's feed, it is an in_app send in the chart.
  const inApp = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'erin',
    content: { title: 'In-app', body: 'Counted as sent to the feed' },
  });
  t.equal(inApp.status, 202, JSON.stringify(inApp.body));
  await chart
    .locator('.legend li[data-series="in_app"] b', { hasText: /^1$/ })
    .waitFor({ timeout: 30_000 });
  t.pass('in-app sends have their own series');

  // The other parts answered too.
  await page.getByRole('region', { name: 'Connections by node' }).locator('svg.chart').waitFor();
  await page.getByRole('region', { name: 'Queue depths' }).locator('svg.chart').waitFor();
  await page
    .getByRole('region', { name: 'Provider health' })
    .getByText('healthy')
    .first()
    .waitFor();
  await page
    .getByRole('region', { name: 'Rate-limited requests, last 24 hours' })
    .getByText(/requests limited/)
    .waitFor();
  t.equal(await page.locator('#page .error').count(), 0, 'no part failed');
  await screenshot(page, 'console-overview', true);

  const dark = await newPage(t, browser, { colorScheme: 'dark' });
  await openConsole(dark, s);
  await dark
    .getByRole('region', { name: 'Sends per minute by channel' })
    .locator('.legend li[data-series="sms"]')
    .waitFor();
  await dark
    .getByRole('region', { name: 'Provider health' })
    .getByText('healthy')
    .first()
    .waitFor();
  await screenshot(dark, 'console-overview-dark', true);
});

test('the alerts page creates, pauses and deletes rules and acknowledges an alert', async (t, browser) => {
  // The server's clock is the test's: evaluations run when the test moves it.
  const now = Math.floor(Date.now() / MIN) * MIN;
  const clock = new FakeClock(now);
  const s = await startServer(t, {}, createMemoryStore(), { clock });
  const errors = [4, 3, 2, 1].map((m) => ({ event_type: 'error', timestamp: iso(now - m * MIN) }));
  t.equal(
    (await s.api('POST', '/api/v1/analytics/events/batch', { events: errors })).body.accepted,
    4,
  );
  // A rule made through the API: no signups in the last hour is an alert too.
  const quiet = await s.api('POST', '/api/v1/alerts/rules', {
    name: 'signups-stalled',
    metric: 'count:auth.signup',
    condition: 'below',
    threshold: 1,
    window: '1h',
  });
  t.equal(quiet.status, 201, JSON.stringify(quiet.body));

  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Alerts' }).click();
  await page.getByRole('heading', { name: 'Alerts', exact: true }).first().waitFor();
  const rules = page.getByRole('region', { name: 'Alert rules' });
  await rules.locator('tr', { hasText: 'signups-stalled' }).waitFor();

  // A rule made in the form.
  await page.getByRole('button', { name: 'New rule' }).click();
  const form = page.getByRole('form', { name: 'New alert rule' });
  await form.getByLabel('Name', { exact: true }).fill('errors-high');
  await form.getByLabel('Metric', { exact: true }).fill('count:error');
  await form.getByLabel('Condition').selectOption('above');
  await form.getByLabel('Threshold').fill('3');
  await form.getByLabel('Window', { exact: true }).fill('5m');
  await form.getByLabel(/^Notify subscribers/).fill('ops-lead');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await page.getByText('Created alert rule errors-high.').waitFor();
  const row = rules.locator('tr', { hasText: 'errors-high' });
  await row.getByText('count:error above 3 over 5m').waitFor();
  t.ok(await row.getByText('active').isVisible());
  const made = await s.api('GET', '/api/v1/alerts/rules/errors-high');
  t.match(made.body, {
    metric: 'count:error',
    condition: 'above',
    threshold: 3,
    window: '5m',
    interval: '1m',
    enabled: true,
    recipients: { subscribers: ['ops-lead'] },
  });

  // A bad rule says why.
  await page.getByRole('button', { name: 'New rule' }).click();
  await form.getByLabel('Name', { exact: true }).fill('nonsense');
  await form.getByLabel('Metric', { exact: true }).fill('no_such_metric');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await page.locator('.notice.error', { hasText: 'INVALID_METRIC' }).waitFor();
  await form.getByRole('button', { name: 'Cancel' }).click();

  // The next evaluation: 4 errors in the 5 minutes (above 3), no signup in the hour.
  clock.set(now + MIN);
  await s.server.scheduler.runDue();
  await page.getByRole('button', { name: 'Refresh' }).click();
  const alerts = page.getByRole('region', { name: 'Triggered alerts' });
  const triggered = alerts.locator('tr', { hasText: 'errors-high' });
  await triggered.getByText('count:error: 4 (above 3)').waitFor();
  t.ok(await triggered.getByText('triggered').isVisible());
  await alerts.locator('tr', { hasText: 'signups-stalled' }).getByText('triggered').waitFor();

  await triggered.getByRole('button', { name: 'Acknowledge' }).click();
  await triggered.getByText('acknowledged').waitFor();
  t.equal(await triggered.getByRole('button', { name: 'Acknowledge' }).count(), 0);
  const listed = (await s.api('GET', '/api/v1/alerts?rule=errors-high')).body.data;
  t.match(listed, [{ status: 'acknowledged', acknowledged: true, actual_value: 4 }]);
  await screenshot(page, 'console-alerts');

  // Pause and resume go through PATCH enabled.
  const stalled = rules.locator('tr', { hasText: 'signups-stalled' });
  await stalled.getByRole('button', { name: 'Pause' }).click();
  await stalled.getByText('paused').waitFor();
  t.equal((await s.api('GET', '/api/v1/alerts/rules/signups-stalled')).body.enabled, false);
  await stalled.getByRole('button', { name: 'Resume' }).click();
  await stalled.getByText('active').waitFor();
  t.equal((await s.api('GET', '/api/v1/alerts/rules/signups-stalled')).body.enabled, true);

  // Delete asks twice; the rule's open alert is resolved with it.
  await stalled.getByRole('button', { name: 'Delete' }).click();
  await stalled.getByRole('button', { name: 'Confirm delete' }).click();
  await stalled.waitFor({ state: 'detached' });
  t.equal((await s.api('GET', '/api/v1/alerts/rules/signups-stalled')).status, 404);
  await alerts.locator('tr', { hasText: 'signups-stalled' }).getByText('resolved').waitFor();

  const dark = await newPage(t, browser, { colorScheme: 'dark' });
  await openConsole(dark, s);
  await dark.getByRole('link', { name: 'Alerts' }).click();
  await dark
    .getByRole('region', { name: 'Triggered alerts' })
    .locator('tr', { hasText: 'errors-high' })
    .waitFor();
  await screenshot(dark, 'console-alerts-dark');
});
