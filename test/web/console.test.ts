import t from 'tap';
import { newPage, screenshot } from '../helpers/browser.js';
import { browserTests, openConsole, signIn } from '../helpers/console.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const test = await browserTests(t);

test('the console refuses a bad key, signs in, lists and creates keys and policies', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser);
  await signIn(page, s, 'nk_not_a_key', '/console');
  await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
  t.ok(await page.locator('#shell').isHidden(), 'still signed out');

  await signIn(page, s, ADMIN_KEY, '/console');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  t.equal(new URL(page.url()).pathname, '/ui/admin', '/console redirects');
  t.notMatch(page.url(), ADMIN_KEY, 'the key is never in the URL');
  await page.getByRole('status').filter({ hasText: 'Live · ready' }).waitFor();

  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
  await page.getByRole('button', { name: 'New key' }).click();
  await page
    .getByLabel('New key (JSON)')
    .fill(JSON.stringify({ name: 'from-console', scopes: ['notifications:send'] }));
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText('Copy it now, it is shown once').waitFor();
  const row = page.locator('tr', { hasText: 'from-console' });
  await row.waitFor();
  t.ok(await row.getByText('notifications:send').isVisible());
  const keys = await s.api('GET', '/api/v1/keys');
  t.ok(
    keys.body.data.some((k: { name: string }) => k.name === 'from-console'),
    'created through the API',
  );
  await screenshot(page, 'console-keys');

  // A reload keeps the session (session storage); another page of the console follows.
  await page.reload();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
  await page.getByRole('link', { name: 'Policies' }).click();
  await page.getByRole('button', { name: 'New policy' }).click();
  await page.getByRole('button', { name: 'Create policy' }).click();
  await page.locator('tr', { hasText: 'standard' }).waitFor();
  const policies = await s.api('GET', '/api/v1/ratelimit/policies');
  t.equal(policies.body.data[0].name, 'standard');

  // A refused body says why, as text.
  await page.getByRole('button', { name: 'New policy' }).click();
  await page.getByLabel('New policy (JSON)').fill('{"name": "<b>x</b>"}');
  await page.getByRole('button', { name: 'Create policy' }).click();
  await page.locator('.notice.error', { hasText: 'VALIDATION_ERROR' }).waitFor();

  // Delete asks twice.
  const standard = page.locator('tr', { hasText: 'standard' });
  await standard.getByRole('button', { name: 'Delete' }).click();
  await standard.getByRole('button', { name: 'Confirm delete' }).click();
  await standard.waitFor({ state: 'detached' });
  t.equal((await s.api('GET', '/api/v1/ratelimit/policies')).body.data.length, 0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'the key is forgotten');
});

test('the console sends a notification and shows its timeline; dark', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser, { colorScheme: 'dark' });
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Send & recent' }).click();
  await page.getByLabel('Recipient (user id)').fill('erin');
  await page.getByLabel('Title', { exact: true }).fill('Hello from the console');
  await page.getByLabel('Body').fill('<img src=x onerror=alert(1)>');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Accepted: ').waitFor();
  const feed = await s.asUser('erin', 'GET', '/api/v1/me/notifications');
  t.equal(feed.body.data[0].content.title, 'Hello from the console');
  const row = page.locator('tr', { hasText: 'Hello from the console' });
  await row.getByRole('link', { name: 'Timeline' }).click();
  const timeline = page.getByRole('region', { name: /^Timeline of ntf_/ });
  await timeline.getByText('Routed to in_app').waitFor();
  t.match(await timeline.textContent(), /<img src=x onerror=alert\(1\)>/, 'the body as text');
  await screenshot(page, 'console-send-dark');

  await page.getByRole('link', { name: 'Query' }).click();
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByRole('heading', { name: /rows$/ }).or(page.getByRole('alert')).first().waitFor();
  t.pass('the analytics query answered');
});

test('the console defines a report, generates it and downloads the file', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Report definitions' }).click();
  await page.getByRole('button', { name: 'New report definition' }).click();
  await page.getByLabel('New report definition (JSON)').fill(
    JSON.stringify({
      name: 'weekly',
      queries: [{ title: 'Events', metrics: ['events'] }],
      format: 'csv',
    }),
  );
  await page.getByRole('button', { name: 'Create report definition' }).click();
  await page.locator('tr', { hasText: 'weekly' }).waitFor();

  await page.getByRole('link', { name: 'Reports', exact: true }).click();
  await page.getByRole('button', { name: 'New report' }).click();
  await page.getByRole('button', { name: 'Create report' }).click();
  const row = page.locator('tbody tr').first();
  await row.waitFor();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('button', { name: 'Download' }).click(),
  ]);
  t.match(file.suggestedFilename(), /\.csv$/);
});
