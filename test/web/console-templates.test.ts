import t from 'tap';
import { newPage, screenshot } from '../helpers/browser.js';
import { browserTests, openConsole } from '../helpers/console.js';
import { startServer } from '../helpers/server.js';

const test = await browserTests(t);

const TEMPLATE = {
  key: 'order-shipped',
  name: 'Order shipped',
  channels: {
    in_app: { title: 'Order {{ order_id }} shipped', body: 'Hi {{ name }}' },
    email: { subject: 'Your order {{ order_id }}', html: '<p>Hi {{ name }}</p>' },
  },
  variables: [
    { name: 'name', default: 'Ada' },
    { name: 'order_id', default: 'A-1' },
  ],
};

test('the console edits a template with a live preview, locales, versions and diff', async (t, browser) => {
  const s = await startServer(t);
  t.equal((await s.api('POST', '/api/v1/templates', TEMPLATE)).status, 201);
  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.getByRole('link', { name: 'Templates' }).click();
  await page
    .locator('tr', { hasText: 'order-shipped' })
    .getByRole('link', { name: 'Edit' })
    .click();
  await page.getByRole('heading', { name: 'Order shipped · order-shipped · version 1' }).waitFor();
  const preview = page.getByRole('region', { name: 'Preview' });
  await preview.getByText('Order A-1 shipped', { exact: true }).waitFor();

  // Typing re-renders; the sample payload drives it; what it renders stays text.
  await page.getByLabel('title', { exact: true }).fill('Order {{ order_id }} is on its way');
  await preview.getByText('Order A-1 is on its way', { exact: true }).waitFor();
  await page.getByLabel('Sample payload (JSON)').fill('{"name": "<b>Bob</b>", "order_id": "B-2"}');
  await preview.getByText('Hi <b>Bob</b>', { exact: true }).waitFor();
  t.equal(await preview.locator('.preview b').count(), 0, 'the payload is not markup');
  await page.getByLabel('title', { exact: true }).fill('Order {{ order_id');
  await preview.getByRole('alert').filter({ hasText: 'TEMPLATE_SYNTAX_ERROR' }).waitFor();
  await page.getByLabel('title', { exact: true }).fill('Order {{ order_id }} is on its way');
  await preview.getByText('Order B-2 is on its way', { exact: true }).waitFor();

  await page.getByRole('button', { name: 'email' }).click();
  await preview.getByText('email in en').waitFor();
  // The HTML part escapes what the payload brings, and is shown as its source.
  await preview.getByText('<p>Hi &lt;b&gt;Bob&lt;/b&gt;</p>', { exact: true }).waitFor();
  await screenshot(page, 'console-template');

  // A French variant: only the title differs; the rest falls back to English.
  await page.getByRole('button', { name: 'in_app' }).click();
  await page.getByLabel('New locale').fill('fr');
  await page.getByRole('button', { name: 'Add locale' }).click();
  t.equal(await page.getByLabel('Locale', { exact: true }).inputValue(), 'fr');
  await page.getByLabel('title', { exact: true }).fill('Commande {{ order_id }} expédiée');
  await preview.getByText('Commande B-2 expédiée', { exact: true }).waitFor();
  await preview.getByText('in_app in fr').waitFor();
  await preview.getByText('Hi <b>Bob</b>', { exact: true }).waitFor();

  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText('Saved: version 2.').waitFor();
  const saved = (await s.api('GET', '/api/v1/templates/order-shipped')).body;
  t.equal(saved.version, 2);
  t.equal(saved.channels.in_app.title, 'Order {{ order_id }} is on its way');
  t.same(saved.locales.fr, { in_app: { title: 'Commande {{ order_id }} expédiée' } });

  const v1 = page.locator('.versions li', { hasText: 'v1' });
  await v1.getByRole('button', { name: 'Diff' }).click();
  const diff = page.getByRole('region', { name: 'Version 1 → the editor' });
  await diff.getByText('-     "title": "Order {{ order_id }} shipped",').waitFor();
  await diff.getByText('+     "title": "Order {{ order_id }} is on its way",').waitFor();
  await v1.getByRole('button', { name: 'Restore' }).click();
  await v1.getByRole('button', { name: 'Confirm restore' }).click();
  await page.getByRole('heading', { name: 'Order shipped · order-shipped · version 3' }).waitFor();
  const restored = (await s.api('GET', '/api/v1/templates/order-shipped')).body;
  t.equal(restored.channels.in_app.title, 'Order {{ order_id }} shipped', 'v1’s content again');

  const dark = await newPage(t, browser, { colorScheme: 'dark' });
  await openConsole(dark, s);
  await dark.goto(`${s.url}/ui/admin#/templates/order-shipped`);
  await dark.getByRole('region', { name: 'Preview' }).getByText('Order A-1 shipped').waitFor();
  await screenshot(dark, 'console-template-dark');
});
