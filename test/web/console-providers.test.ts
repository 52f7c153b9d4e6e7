import t from 'tap';
import { newPage, screenshot } from '../helpers/browser.js';
import { browserTests, openConsole } from '../helpers/console.js';
import { startServer } from '../helpers/server.js';
import { fixture } from '../providers/setup.js';

const test = await browserTests(t);

/** Two scripted SMS providers; the check of the second fails (its region is down). */
const providers = {
  sms: [
    { name: 'main', plugin: fixture('sms') },
    { name: 'backup', plugin: fixture('sms'), priority: 1, options: { region: 'down' } },
  ],
};

test('the console lists providers with their health and tests them', async (t, browser) => {
  const s = await startServer(t, { providers });
  for (const scheme of ['light', 'dark'] as const) {
    const page = await newPage(t, browser, { colorScheme: scheme });
    await openConsole(page, s);
    await page.getByRole('link', { name: 'Providers' }).click();
    const main = page.getByRole('region', { name: 'Provider main' });
    const backup = page.getByRole('region', { name: 'Provider backup' });
    await main.getByText('healthy').waitFor();
    await main.getByRole('button', { name: 'Test main' }).click();
    await main.getByText(/^Passed: reached eu \(\d+ ms\)$/).waitFor();
    await backup.getByRole('button', { name: 'Test backup' }).click();
    await backup.getByText(/^Failed: region down/).waitFor();
    await screenshot(page, scheme === 'light' ? 'console-providers' : 'console-providers-dark');
  }
});

test('the console shows a workflow’s steps in words and runs it', async (t, browser) => {
  const s = await startServer(t);
  await s.api('POST', '/api/v1/templates', {
    key: 'pro-tips',
    name: 'Pro tips',
    channels: { email: { subject: 'Tips', html: '<p>Tips</p>' } },
  });
  const created = await s.api('POST', '/api/v1/workflows', {
    trigger_identifier: 'onboarding',
    name: 'Onboarding',
    steps: [
      { type: 'send', channel: 'in_app', content: { title: 'Welcome', body: 'Hi' } },
      { type: 'condition', field: 'payload.plan', operator: 'equals', value: 'pro' },
      { type: 'delay', duration: 'P1DT12H' },
      { type: 'send', channel: 'email', template: 'pro-tips' },
    ],
  });
  t.equal(created.status, 201);
  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Workflows' }).click();
  await page.locator('tr', { hasText: 'onboarding' }).getByRole('link', { name: 'Steps' }).click();
  const steps = page.getByRole('region', { name: 'Steps' }).locator('ol.steps li');
  await steps.first().waitFor();
  t.same(await steps.allTextContents(), [
    'Send on in_app “Welcome”',
    'Go on only if payload.plan equals "pro"; otherwise stop',
    'Wait 1 day 12 hours',
    'Send on email with template “pro-tips”',
  ]);

  // Triggered with a payload that stops at the condition: the run's history says so.
  await page.getByLabel('Recipient (user id)').fill('erin');
  await page.getByLabel('Payload (JSON)').fill('{"plan": "free"}');
  await page.getByRole('button', { name: 'Trigger' }).click();
  await page.getByRole('heading', { name: /^Run .*: (running|completed|stopped)$/ }).waitFor();
  for (let i = 0; i < 50; i++) {
    if (await page.getByText('Step 2: stopped').isVisible()) break;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.getByText('Step 1: sent').waitFor();
  await page.getByText('Step 2: stopped').waitFor();
  const feed = await s.asUser('erin', 'GET', '/api/v1/me/notifications');
  t.equal(feed.body.data[0].content.title, 'Welcome', 'the first step sent');
  await screenshot(page, 'console-workflow');
});
