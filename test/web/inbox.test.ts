import type { Browser, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { launchBrowser, newPage, screenshot } from '../helpers/browser.js';
import { type Running, startServer, userToken } from '../helpers/server.js';

/** The demo page signed in as `user` (the token rides in the fragment, never to the server). */
async function openInbox(page: Page, s: Running, user: string, transport?: string) {
  await page.goto(`${s.url}/ui/demo#token=${await userToken(user)}`);
  const inbox = page.locator('notifyd-inbox');
  if (transport) await inbox.evaluate((el, v) => el.setAttribute('transport', v), transport);
  await page.waitForFunction(
    () => document.querySelector('notifyd-inbox[data-status="open"]') !== null,
  );
  return inbox;
}

/** Runs `body` as a subtest when there is a browser (launchBrowser failed or skipped otherwise). */
function test(name: string, body: (t: Test, b: Browser) => Promise<void>) {
  if (browser) t.test(name, (t) => body(t, browser));
}

// A loaded machine slows Chromium down: the whole file gets four minutes, each wait ten seconds.
t.setTimeout(240_000);
// One browser for the file (starting Chromium is the slow part); a context per page.
const browser = await launchBrowser(t);

const send = (s: Running, user: string, content: object, extra: object = {}) =>
  s.api('POST', '/api/v1/notifications', { recipient_id: user, content, ...extra });

test('the inbox shows a send in real time, counts it, and marks it read for good', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser);
  const inbox = await openInbox(page, s, 'alice');
  const bell = inbox.locator('button.bell');
  const badge = inbox.locator('.badge');
  await t.resolves(bell.waitFor());
  t.equal(await badge.isHidden(), true, 'no badge with nothing unread');
  t.equal(await bell.getAttribute('aria-label'), 'Notifications');

  const sent = await send(
    s,
    'alice',
    { title: 'Build passed', body: 'main is green' },
    { actions: [{ id: 'view', label: 'View', type: 'primary' }] },
  );
  t.equal(sent.status, 202);
  await badge.filter({ hasText: '1' }).waitFor();
  t.equal(await bell.getAttribute('aria-label'), 'Notifications, 1 unread');

  await bell.click();
  const item = inbox.locator('li.item', { hasText: 'Build passed' });
  await item.waitFor();
  t.equal(await item.getAttribute('class'), 'item unread');
  t.equal(await item.locator('.item-text').textContent(), 'main is green');
  t.equal(await inbox.locator('.panel').getAttribute('role'), 'dialog');
  await screenshot(page, 'inbox-light');

  await item.getByRole('button', { name: 'Mark as read' }).click();
  await badge.waitFor({ state: 'hidden' });
  t.equal(await item.getAttribute('class'), 'item');
  t.equal((await s.asUser('alice', 'GET', '/api/v1/me/unread-count')).body.unread_count, 0);

  await page.reload();
  await page.waitForFunction(
    () => document.querySelector('notifyd-inbox[data-status="open"]') !== null,
  );
  await inbox.locator('button.bell').click();
  const again = inbox.locator('li.item', { hasText: 'Build passed' });
  await again.waitFor();
  t.equal(await again.getAttribute('class'), 'item', 'still read after a reload');
  t.equal(await inbox.locator('.badge').isHidden(), true);

  // The action button: recorded once by the server, then disabled.
  await again.getByRole('button', { name: 'View' }).click();
  await again.getByRole('button', { name: 'View' }).and(page.locator('[disabled]')).waitFor();
  const stored = await s.asUser(
    'alice',
    'GET',
    `/api/v1/me/notifications/${sent.body.notification_id}`,
  );
  t.equal(stored.body.action_taken.action_id, 'view');
});

test('a read in one tab updates the badge in another; dismiss and mark all read', async (t, browser) => {
  const s = await startServer(t);
  const first = await openInbox(await newPage(t, browser), s, 'bob');
  const second = await openInbox(await newPage(t, browser), s, 'bob');
  for (const title of ['one', 'two', 'three']) await send(s, 'bob', { title, body: '' });
  await first.locator('.badge', { hasText: '3' }).waitFor();
  await second.locator('.badge', { hasText: '3' }).waitFor();

  await first.locator('button.bell').click();
  await first
    .locator('li.item', { hasText: 'two' })
    .getByRole('button', { name: 'Mark as read' })
    .click();
  await second.locator('.badge', { hasText: '2' }).waitFor();
  t.pass('the other tab counted the read');

  await first
    .locator('li.item', { hasText: 'three' })
    .getByRole('button', { name: 'Dismiss' })
    .click();
  await first.locator('li.item', { hasText: 'three' }).waitFor({ state: 'detached' });
  await second.locator('.badge', { hasText: '1' }).waitFor();
  const feed = await s.asUser('bob', 'GET', '/api/v1/me/notifications');
  t.same(
    feed.body.data.map((n: { content: { title: string } }) => n.content.title),
    ['two', 'one'],
    'dismissed: gone from the feed',
  );

  await second.locator('button.bell').click();
  await second.locator('li.item.unread', { hasText: 'one' }).waitFor();
  await first.getByRole('button', { name: 'Mark all as read' }).click();
  await first.locator('.badge').waitFor({ state: 'hidden' });
  await second.locator('.badge').waitFor({ state: 'hidden' });
  t.equal(await first.locator('li.item.unread').count(), 0);
  // A read-all names no ids: the other tab's list follows it all the same.
  await second.locator('li.item.unread').first().waitFor({ state: 'detached' });
  t.pass("the other tab's items are read too");

  // So does a dismiss-all made elsewhere (another device, the app's own "clear all").
  t.equal((await s.asUser('bob', 'POST', '/api/v1/me/notifications/dismiss-all')).status, 200);
  await second.locator('li.item').first().waitFor({ state: 'detached' });
  await first.locator('li.item').first().waitFor({ state: 'detached' });
  t.pass('a dismiss-all empties every tab');
});

test('a hostile body is text; the dropdown works from the keyboard', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser);
  const inbox = await openInbox(page, s, 'carol');
  const hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>';
  await send(s, 'carol', { title: '<script>window.pwned=2</script>', body: hostile });
  await send(s, 'carol', {
    title: 'second',
    body: 'plain',
    action_url: 'javascript:window.pwned=3',
  });
  await inbox.locator('.badge', { hasText: '2' }).waitFor();

  // Keyboard only: focus the bell, open with ArrowDown, walk the items, close with Escape.
  await inbox.locator('button.bell').focus();
  await page.keyboard.press('ArrowDown');
  await inbox.locator('.panel').waitFor();
  const focused = () =>
    page.evaluate(() => {
      const el = document.querySelector('notifyd-inbox')!.shadowRoot!.activeElement;
      return el ? `${el.tagName}:${el.textContent}` : null;
    });
  t.match(await focused(), /^LI:second/, 'ArrowDown opens the dropdown on the newest item');
  await page.keyboard.press('ArrowDown');
  t.match(await focused(), /^LI:<script>/, 'ArrowDown moves to the next item');
  const item = inbox.locator('li.item').nth(1);
  t.equal(await item.locator('.item-text').textContent(), hostile, 'shown as text');
  t.equal(await item.locator('img, b, script').count(), 0, 'no markup from the sender');
  t.equal(await inbox.locator('a[href^="javascript"]').count(), 0, 'no script link');
  t.equal(await page.evaluate(() => (window as { pwned?: number }).pwned), undefined);

  // Tab stays inside the open dropdown.
  for (let i = 0; i < 12; i++) await page.keyboard.press('Tab');
  t.ok(
    await page.evaluate(() => {
      const root = document.querySelector('notifyd-inbox')!.shadowRoot!;
      return root.querySelector('.panel')!.contains(root.activeElement);
    }),
    'focus trapped in the dropdown',
  );
  await page.keyboard.press('Escape');
  await inbox.locator('.panel').waitFor({ state: 'hidden' });
  t.match(await focused(), /^BUTTON:/, 'focus back on the bell');
  t.equal(await inbox.locator('button.bell').getAttribute('aria-expanded'), 'false');
});

test('over Server-Sent Events, in French, dark', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser, { colorScheme: 'dark' });
  await page.goto(`${s.url}/ui/demo#token=${await userToken('dave')}`);
  const inbox = page.locator('notifyd-inbox');
  await inbox.evaluate((el) => {
    el.setAttribute('transport', 'sse');
    el.setAttribute('locale', 'fr');
  });
  await page.locator('#theme').selectOption('dark');
  await page.waitForFunction(
    () => document.querySelector('notifyd-inbox[data-status="open"]') !== null,
  );
  t.equal(await inbox.getAttribute('data-transport'), 'sse');
  await send(s, 'dave', { title: 'Bienvenue', body: 'Votre compte est prêt.' });
  await send(s, 'dave', { title: 'Facture disponible', body: 'Décembre 2026' });
  await inbox.locator('.badge', { hasText: '2' }).waitFor();
  t.equal(
    await inbox.locator('button.bell').getAttribute('aria-label'),
    'Notifications, 2 non lues',
  );
  await inbox.locator('button.bell').click();
  await inbox.locator('li.item', { hasText: 'Bienvenue' }).waitFor();
  t.ok(await inbox.getByRole('button', { name: 'Tout marquer comme lu' }).isVisible());
  await screenshot(page, 'inbox-dark');
});

test('notifications sharing a group_key show as one item: "Dan and 3 others"', async (t, browser) => {
  const s = await startServer(t);
  const page = await newPage(t, browser);
  const inbox = await openInbox(page, s, 'gina');
  const actors = [
    { id: 'u1', name: 'Alice' },
    { id: 'u2', name: 'Bob' },
    'u3',
    { id: 'u4', name: 'Dan' },
  ];
  for (const actor of actors) {
    await send(
      s,
      'gina',
      { title: 'New comment on PR #42', body: 'a comment' },
      { group_key: 'pr-42', data: { actor } },
    );
  }
  await send(s, 'gina', { title: 'Deploy finished', body: '' });
  await inbox.locator('.badge', { hasText: '5' }).waitFor();
  await inbox.locator('button.bell').click();
  const group = inbox.locator('li.item[data-group="pr-42"]');
  await group.waitFor();
  t.equal(await inbox.locator('li.item').count(), 2, 'four in one item, and the other one');
  t.equal(await group.getAttribute('data-count'), '4');
  t.equal(
    await group.locator('.actors').textContent(),
    'Dan and 3 others',
    'the newest actor first',
  );
  t.equal(await group.locator('.avatar').count(), 3);
  t.equal(await group.locator('.count .sr').textContent(), '4 notifications');
  await screenshot(page, 'inbox-grouped');

  // Marking the group read marks its four members read.
  await group.getByRole('button', { name: 'Mark as read' }).click();
  await inbox.locator('.badge', { hasText: '1' }).waitFor();
  t.equal((await s.asUser('gina', 'GET', '/api/v1/me/unread-count')).body.unread_count, 1);

  // A new member moves the group to the top and counts it.
  await send(
    s,
    'gina',
    { title: 'New comment on PR #42', body: 'another' },
    { group_key: 'pr-42', data: { actor: { id: 'u1', name: 'Alice' } } },
  );
  await group.and(page.locator('[data-count="5"]')).waitFor();
  t.equal(await inbox.locator('li.item').first().getAttribute('data-group'), 'pr-42');
  t.equal(await group.locator('.actors').textContent(), 'Alice and 3 others');
  t.equal(await group.getAttribute('class'), 'item unread');

  // Dismissing the group dismisses every member.
  await group.getByRole('button', { name: 'Dismiss' }).click();
  await group.waitFor({ state: 'detached' });
  const feed = await s.asUser('gina', 'GET', '/api/v1/me/notifications');
  t.same(
    feed.body.data.map((n: { content: { title: string } }) => n.content.title),
    ['Deploy finished'],
  );
});
