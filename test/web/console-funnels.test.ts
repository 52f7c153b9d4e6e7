import type { Page } from 'playwright-core';
import t from 'tap';
import { newPage, screenshot } from '../helpers/browser.js';
import { browserTests, openConsole } from '../helpers/console.js';
import { ACTIVATION_FUNNEL, activationEvents, DAY, ev, HOUR } from '../helpers/funnel-users.js';
import { type Running, startServer } from '../helpers/server.js';

const test = await browserTests(t);

/**
 * Users going through sign-up → onboarding (from the web) → purchase, with known answers:
 * six enter in the last 7 days, one more 20 days ago (in the last 30 days only).
 */
async function seed(s: Running): Promise<void> {
  const T = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR;
  const res = await s.api('POST', '/api/v1/analytics/events/batch', {
    events: [
      ...activationEvents(T),
      ev('signup', 'u9', Date.now() - 20 * DAY), // in the last 30 days, not the last 7
    ],
  });
  if (res.body.accepted !== 14) throw new Error(JSON.stringify(res.body));
  const created = await s.api('POST', '/api/v1/analytics/funnels', {
    ...ACTIVATION_FUNNEL,
    description: 'From sign-up to the first purchase',
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
}

/** The table of steps as its cells read. */
const stepRows = (page: Page) =>
  page
    .getByRole('region', { name: 'Steps' })
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );

const tileValue = (page: Page, name: string) =>
  page.getByRole('region', { name, exact: true }).locator('strong').textContent();

test('a funnel: the list, then its results per period as a table and bars', async (t, browser) => {
  // Events from 20 days ago are backfilled: allow more than the default week.
  const s = await startServer(t, { analytics: { max_backfill_ms: 30 * DAY } });
  await seed(s);
  const page = await newPage(t, browser);
  await openConsole(page, s);
  await page.goto(`${s.url}/ui/admin#/funnels`);

  // The list: name, steps in order, conversion window, last change.
  const row = page.getByRole('row', { name: /activation/ });
  await row.waitFor();
  t.same(await page.locator('thead th').allTextContents(), [
    'Name',
    'Steps',
    'Conversion window',
    'Updated',
    'Actions',
  ]);
  const cells = await row.locator('td').allTextContents();
  t.same(cells.slice(0, 3), ['activation', 'Signed up → Onboarded → Bought', '1 d']);
  t.match(cells[3], /\d/, 'when it was last changed');

  // Its results: 30 days at first, so u9 (20 days ago) is one of those entering.
  await row.getByRole('link', { name: 'Results' }).click();
  const steps = page.getByRole('region', { name: 'Steps' });
  await steps.getByRole('cell', { name: '42.9%' }).waitFor();
  t.same(await stepRows(page), [
    ['Signed up', '7', '3', '42.9%', '57.1%', '1 h 40 min'],
    ['Onboarded', '3', '1', '33.3%', '66.7%', '2 h'],
    ['Bought', '1', '1', '100%', '0%', '—'],
  ]);
  t.equal(await tileValue(page, 'Entered'), '7');
  t.equal(await tileValue(page, 'Converted'), '14.3%');
  t.equal(await tileValue(page, 'Time to convert'), '3 h');
  const definition = page.getByRole('region', { name: 'Definition' });
  t.match(await definition.textContent(), /Onboarded: onboard where source eq "web"/);
  t.match(await definition.textContent(), /within 1 d of entering/);

  // A bar per step, as long as the share of those entering that reached it.
  const bars = steps.locator('rect[data-step]');
  t.same(
    await bars.evaluateAll((rects) =>
      rects.map((r) => [r.getAttribute('data-step'), Number(r.getAttribute('data-share'))]),
    ),
    [
      ['Signed up', 1],
      ['Onboarded', 3 / 7],
      ['Bought', 1 / 7],
    ],
  );
  const widths = await bars.evaluateAll((rects) =>
    rects.map((r) => (r as SVGRectElement).getBBox().width),
  );
  t.ok(
    Math.abs(widths[1]! / widths[0]! - 3 / 7) < 0.01 &&
      Math.abs(widths[2]! / widths[0]! - 1 / 7) < 0.01,
    `bars in proportion: ${widths.join(', ')}`,
  );
  t.same(await steps.locator('.bar-figure').allTextContents(), [
    '7 · 100%',
    '3 · 42.9%',
    '1 · 14.3%',
  ]);
  await screenshot(page, 'console-funnel', true);

  // The last 7 days: u9 is out.
  await page.getByLabel('Period').selectOption({ label: 'Last 7 days' });
  await page.getByRole('region', { name: 'Converted', exact: true }).getByText('16.7%').waitFor();
  t.same(await stepRows(page), [
    ['Signed up', '6', '3', '50%', '50%', '1 h 40 min'],
    ['Onboarded', '3', '1', '33.3%', '66.7%', '2 h'],
    ['Bought', '1', '1', '100%', '0%', '—'],
  ]);
  t.equal(await tileValue(page, 'Converted'), '16.7%');
  t.match(
    await page.getByRole('status').filter({ hasText: 'Users entering' }).textContent(),
    /^Users entering from \w+ \d+, \d{4} to \w+ \d+, \d{4}$/,
  );

  // The period is kept for the next funnel page of this tab.
  await page.reload();
  await page.getByRole('region', { name: 'Converted', exact: true }).getByText('16.7%').waitFor();
  t.equal(await page.getByLabel('Period').inputValue(), '7');

  // A funnel nobody entered: dashes, not 0%.
  await s.api('POST', '/api/v1/analytics/funnels', {
    name: 'refunds',
    steps: [
      { name: 'Paid', event_type: 'paid' },
      { name: 'Refunded', event_type: 'refund' },
    ],
  });
  await page.goto(`${s.url}/ui/admin#/funnels/refunds`);
  await steps.getByText('Nobody entered the funnel in this period.').waitFor();
  t.same(await stepRows(page), [
    ['Paid', '0', '0', '—', '—', '—'],
    ['Refunded', '0', '0', '—', '—', '—'],
  ]);
  t.equal(await tileValue(page, 'Converted'), '—');

  // A funnel that is not there says so.
  await page.goto(`${s.url}/ui/admin#/funnels/nope`);
  await page
    .getByRole('alert')
    .filter({ hasText: /funnel/i })
    .waitFor();
  t.pass('a missing funnel is an error in its place');
  t.equal(await page.locator('#page .error').count(), 1);

  const dark = await newPage(t, browser, { colorScheme: 'dark' });
  await openConsole(dark, s);
  await dark.goto(`${s.url}/ui/admin#/funnels/activation`);
  await dark.getByRole('region', { name: 'Steps' }).locator('rect[data-step]').first().waitFor();
  await screenshot(dark, 'console-funnel-dark', true);
});
