import t, { type Test } from 'tap';
import { newPage, screenshot } from '../helpers/browser.js';
import { browserTests, openConsole } from '../helpers/console.js';
import { type Running, startServer } from '../helpers/server.js';
import { reset, script } from '../providers/fixtures/script.js';
import { fixture } from '../providers/setup.js';

const test = await browserTests(t);
t.beforeEach(() => reset());

/** An SMS provider whose answers the test scripts; none scripted: it accepts. */
const providers = { sms: [{ name: 'main', plugin: fixture('sms') }] };
const BLOCKED = {
  ok: false as const,
  kind: 'permanent' as const,
  message: 'number blocked (21610)',
};

/** Sends `title` to erin by SMS; resolves to the notification id once its delivery settled. */
async function sendSms(t: Test, s: Running, title: string, status: string): Promise<string> {
  const sent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'erin',
    channels: ['sms'],
    content: { title, body: '<img src=x onerror=alert(1)>' },
  });
  t.equal(sent.status, 202, 'sent');
  const id: string = sent.body.notification_id;
  await until(s, id, status);
  return id;
}

async function until(s: Running, id: string, status: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const d = await s.api('GET', `/api/v1/notifications/${id}/deliveries`);
    if (d.body.data?.[0]?.status === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the delivery of ${id} never became ${status}`);
}

test('the console finds a send, shows its timeline and retries it from there', async (t, browser) => {
  const s = await startServer(t, { providers });
  await s.api('PUT', '/api/v1/subscribers/erin', { phone: '+33612345678' });
  script('main', BLOCKED);
  const id = await sendSms(t, s, 'Your code is 1234', 'failed');
  await sendSms(t, s, 'Welcome aboard', 'sent');

  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await page.getByLabel('Recipient (user id)').fill('erin');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('tr', { hasText: 'Welcome aboard' }).getByText('sms: sent').waitFor();
  const failed = page.locator('tr', { hasText: 'Your code is 1234' });
  await failed.getByText('sms: failed').waitFor();

  // Narrowed by status: only the failed one.
  await page.getByLabel('Delivery status').selectOption('failed');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('tr', { hasText: 'Welcome aboard' }).waitFor({ state: 'detached' });
  await failed.getByRole('button', { name: 'Timeline' }).click();

  const timeline = page.getByRole('region', { name: `Timeline of ${id}` });
  await timeline.getByText('Accepted').waitFor();
  await timeline.getByText('Routed to sms').waitFor();
  await timeline.getByText(/^Last provider answer: .*number blocked \(21610\)$/).waitFor();
  t.match(await timeline.textContent(), /<img src=x onerror=alert\(1\)>/, 'the body shows as text');
  t.equal(await page.locator('main img').count(), 0, 'no element made from the body');
  t.match(page.url(), `#/notifications/${id}`, 'the timeline has its own address');
  await screenshot(page, 'console-timeline');

  await timeline.getByRole('button', { name: 'Retry sms' }).click();
  await page.getByText(/queued again/).waitFor();
  await until(s, id, 'sent');
  await page.reload();
  await timeline.getByText('sms sent').waitFor();
  t.ok(await timeline.getByText('Provider message id: main-').isVisible(), 'the provider’s id');

  // By request id, and a notification opened by its id.
  const one = await s.api('GET', `/api/v1/notifications/${id}`);
  await page.getByLabel('Recipient (user id)').fill('erin');
  await page.getByLabel('Request id (optional)').fill(one.body.request_id);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('tbody tr').filter({ hasText: 'Your code is 1234' }).waitFor();
  t.equal(await page.locator('tbody tr').count(), 1, 'only that request’s');
  await page.getByLabel('Notification id').fill('ntf_nope');
  await page.getByRole('button', { name: 'Show timeline' }).click();
  await page.getByRole('alert').filter({ hasText: 'NOTIFICATION_NOT_FOUND' }).waitFor();
});

test('the console lists dead letters and retries one; dark', async (t, browser) => {
  const s = await startServer(t, { providers });
  await s.api('PUT', '/api/v1/subscribers/erin', { phone: '+33612345678' });
  script('main', BLOCKED, BLOCKED);
  const first = await sendSms(t, s, 'First', 'failed');
  const second = await sendSms(t, s, 'Second', 'failed');

  const page = await newPage(t, browser, { colorScheme: 'dark' });
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Dead letters' }).click();
  const rows = page.locator('tbody tr');
  await rows.nth(1).waitFor();
  t.equal(await rows.count(), 2);
  const [d1] = (await s.api('GET', `/api/v1/notifications/${first}/deliveries`)).body.data;
  await rows
    .nth(1)
    .getByText(/number blocked \(21610\)/)
    .waitFor();
  await screenshot(page, 'console-dead-letters-dark');

  await rows.nth(1).getByRole('button', { name: 'Retry' }).click();
  await page.getByText(`Delivery ${d1.id} queued again.`).waitFor();
  await until(s, first, 'sent');
  await rows.nth(1).waitFor({ state: 'detached' });
  t.equal(await rows.count(), 1, 'the retried one left the list');

  // Its neighbour's timeline is one click away.
  await rows.first().getByRole('link', { name: 'Timeline' }).click();
  await page.getByRole('region', { name: `Timeline of ${second}` }).waitFor();
  await screenshot(page, 'console-timeline-dark');

  await page.getByRole('link', { name: 'Dead letters' }).click();
  await page.getByRole('button', { name: 'Retry all' }).click();
  await page.getByRole('button', { name: 'Confirm retry all' }).click();
  await page.getByText('1 queued again.').waitFor();
  await until(s, second, 'sent');
  await page.getByText('No dead letters.').waitFor();
});
