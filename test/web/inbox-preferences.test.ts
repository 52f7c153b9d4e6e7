import { createECDH, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import t from 'tap';
import webpush from 'web-push';
import { launchBrowser, newPage, screenshot } from '../helpers/browser.js';
import { type Running, startServer, userToken } from '../helpers/server.js';

/** The demo page signed in as `user`, its inbox connected. */
async function openInbox(page: Page, s: Running, user: string) {
  await page.goto(`${s.url}/ui/demo#token=${await userToken(user)}`);
  await page.waitForFunction(
    () => document.querySelector('notifyd-inbox[data-status="open"]') !== null,
  );
  return page.locator('notifyd-inbox');
}

t.setTimeout(240_000);
const browser = await launchBrowser(t);

/** A billing notice to erin, by email and in the app. */
const sendBilling = (s: Running) =>
  s.api('POST', '/api/v1/notifications', {
    recipient: { id: 'erin', email: 'erin@example.com' },
    category: 'billing',
    channels: ['in_app', 'email'],
    content: { title: 'Invoice ready', body: 'December 2026' },
  });

/** The notification's deliveries: channel → status (a channel routing dropped is `skipped`). */
const deliveriesOf = async (s: Running, id: string) =>
  Object.fromEntries(
    (await s.api('GET', `/api/v1/notifications/${id}/deliveries`)).body.data.map(
      (d: { channel: string; status: string }) => [d.channel, d.status],
    ),
  );

if (browser) {
  t.test('the preferences panel switches a category’s email off for the next send', async (t) => {
    const s = await startServer(t);
    for (const category of [
      { id: 'billing', name: 'Billing', default_channels: ['in_app', 'email'] },
      {
        id: 'security',
        name: 'Security',
        description: 'Sign-ins and password changes',
        mandatory: true,
        default_channels: ['in_app', 'email'],
      },
    ]) {
      t.equal((await s.api('POST', '/api/v1/categories', category)).status, 201);
    }
    const before = await sendBilling(s);
    t.equal(before.status, 202, JSON.stringify(before.body));
    t.same(before.body.channels_targeted, ['in_app', 'email']);
    const first = await deliveriesOf(s, before.body.notification_id);
    t.match(first, { email: /^(pending|sent|delivered)$/ }, 'email goes out');

    const page = await newPage(t, browser);
    const inbox = await openInbox(page, s, 'erin');
    await inbox.locator('button.bell').click();
    const toggle = inbox.getByRole('button', { name: 'Preferences' });
    await toggle.click();
    t.equal(await toggle.getAttribute('aria-pressed'), 'true');
    t.equal(await inbox.locator('.panel h2').textContent(), 'Preferences');
    t.equal(await inbox.locator('.feed').isHidden(), true, 'the feed gives way to the panel');

    const billingEmail = inbox.getByRole('switch', { name: 'Billing: Email' });
    await billingEmail.waitFor();
    t.equal(await billingEmail.isChecked(), true, 'on: a default channel of billing');
    t.equal(await inbox.getByRole('switch', { name: 'Billing: Push' }).isChecked(), false);
    const securityEmail = inbox.getByRole('switch', { name: 'Security: Email' });
    t.equal(await securityEmail.isChecked(), true);
    t.equal(await securityEmail.isDisabled(), true, 'a mandatory category is locked');
    t.equal(
      await inbox.locator('tr[data-category="security"] .lock').textContent(),
      'Required',
      'and says so',
    );
    t.equal(
      await securityEmail.getAttribute('aria-describedby'),
      await inbox.locator('.matrix-wrap .hint').last().getAttribute('id'),
      'the lock is explained to screen readers',
    );
    t.equal(
      await inbox.locator('tr[data-category="security"] .hint').textContent(),
      'Sign-ins and password changes',
    );
    await screenshot(page, 'inbox-preferences');

    await billingEmail.click();
    await inbox.locator('.prefs-status', { hasText: 'Saved.' }).waitFor();
    t.equal(await billingEmail.isChecked(), false);
    const stored = await s.asUser('erin', 'GET', '/api/v1/me/preferences');
    t.match(stored.body.categories.billing, { name: 'Billing', channels: { email: false } });

    const after = await sendBilling(s);
    t.equal(after.status, 202);
    t.same(after.body.channels_targeted, ['in_app'], 'the next send leaves email out');
    t.same(after.body.channels_skipped, { email: 'category_disabled' });
    t.match(await deliveriesOf(s, after.body.notification_id), { email: 'skipped' });

    // The keyboard works the switches: Space turns billing's push on.
    await inbox.getByRole('switch', { name: 'Billing: Push' }).focus();
    await page.keyboard.press('Space');
    await inbox.getByRole('switch', { name: 'Billing: Push', checked: true }).waitFor();
    t.match(
      (await s.asUser('erin', 'GET', '/api/v1/me/preferences')).body.categories.billing.channels,
      { push: true, email: false },
    );

    // Quiet hours and the digest, saved together.
    await inbox.getByLabel('Hold notifications during quiet hours').check();
    await inbox.getByLabel('From', { exact: true }).fill('21:30');
    await inbox.getByLabel('To', { exact: true }).fill('07:15');
    await inbox.getByLabel('Time zone', { exact: true }).fill('Europe/Paris');
    await inbox.getByRole('checkbox', { name: 'Sunday' }).uncheck();
    await inbox.getByLabel('Bundle notifications into a digest').check();
    await inbox.getByLabel('How often').selectOption('weekly');
    await inbox.getByLabel('On', { exact: true }).selectOption('friday');
    await inbox.getByLabel('At', { exact: true }).fill('08:30');
    await inbox.getByRole('button', { name: 'Save' }).click();
    await inbox.locator('.prefs-status', { hasText: 'Saved.' }).waitFor();
    const saved = (await s.asUser('erin', 'GET', '/api/v1/me/preferences')).body;
    t.same(saved.quiet_hours, {
      enabled: true,
      start_time: '21:30',
      end_time: '07:15',
      timezone: 'Europe/Paris',
      days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
    });
    t.match(saved.digest, {
      enabled: true,
      frequency: 'weekly',
      delivery_day: 'friday',
      delivery_time: '08:30',
      timezone: 'Europe/Paris',
    });

    // A zone the server refuses: its reason shows, as text.
    await inbox.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus');
    await inbox.getByRole('button', { name: 'Save' }).click();
    await inbox.locator('.prefs-status[data-error="true"]').waitFor();
    t.match(await inbox.locator('.prefs-status').textContent(), /^Not saved: /);

    // Back to the feed: the toggle again.
    await toggle.click();
    t.equal(await inbox.locator('.prefs').isHidden(), true);
    await inbox.locator('li.item', { hasText: 'Invoice ready' }).first().waitFor();
    t.equal(await inbox.locator('.panel h2').textContent(), 'Notifications');
  });

  t.test('the panel in French, dark', async (t) => {
    const s = await startServer(t);
    await s.api('POST', '/api/v1/categories', {
      id: 'security',
      name: 'Sécurité',
      mandatory: true,
      default_channels: ['email'],
    });
    const page = await newPage(t, browser, { colorScheme: 'dark' });
    const inbox = await openInbox(page, s, 'fanny');
    await inbox.evaluate((el) => {
      el.setAttribute('locale', 'fr');
      el.setAttribute('channels', 'in_app,email');
    });
    await page.locator('#theme').selectOption('dark');
    await inbox.locator('button.bell').click();
    await inbox.getByRole('button', { name: 'Préférences' }).click();
    const locked = inbox.getByRole('switch', { name: 'Sécurité: E-mail' });
    await locked.waitFor();
    t.equal(await locked.isDisabled(), true);
    t.equal(await inbox.locator('.lock').textContent(), 'Obligatoire');
    t.equal(await inbox.locator('.matrix thead th').count(), 3, 'the channels asked for');
    t.ok(await inbox.getByRole('button', { name: 'Enregistrer' }).isVisible());
    await screenshot(page, 'inbox-preferences-dark');
  });

  t.test('the web push opt-in registers the service worker and the device', async (t) => {
    const vapid = webpush.generateVAPIDKeys();
    const s = await startServer(t, {
      providers: {
        push: [
          {
            name: 'browsers',
            plugin: 'webpush',
            options: {
              vapid_public_key: vapid.publicKey,
              vapid_private_key: vapid.privateKey,
              subject: 'mailto:ops@example.com',
            },
          },
        ],
      },
    } as never);
    const page = await newPage(t, browser);
    await page.context().grantPermissions(['notifications'], { origin: s.url });
    // Headless Chromium reaches no push service to subscribe with, so the browser's
    // PushManager answers like one: the subscription carries real P-256 keys, and the
    // applicationServerKey the inbox passed is kept for the test to read.
    const subscription = {
      endpoint: 'https://push.example.test/send/erin-1',
      keys: {
        p256dh: createECDH('prime256v1').generateKeys().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      },
    };
    await page.addInitScript((sub) => {
      const w = window as unknown as { pushKey?: number[] };
      let current: object | null = null;
      PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
      PushManager.prototype.subscribe = async (options) => {
        w.pushKey = [...new Uint8Array(options?.applicationServerKey as ArrayBuffer)];
        current = {
          endpoint: sub.endpoint,
          toJSON: () => sub,
          unsubscribe: async () => {
            current = null;
            return true;
          },
        };
        return current as PushSubscription;
      };
    }, subscription);
    const inbox = await openInbox(page, s, 'erin');
    await inbox.locator('button.bell').click();
    await inbox.getByRole('button', { name: 'Preferences' }).click();
    const push = inbox.locator('fieldset.push');
    await push.and(page.locator('[data-state="off"]')).waitFor();
    t.equal(
      await push.locator('.push-state').textContent(),
      'Get notifications on this device even when the app is closed.',
    );

    await push.getByRole('button', { name: 'Turn on' }).click();
    await push.and(page.locator('[data-state="on"]')).waitFor();
    t.equal(
      await push.locator('.push-state').textContent(),
      'Push notifications are on for this browser.',
    );
    const workers = await page.evaluate(async () =>
      (await navigator.serviceWorker.getRegistrations()).map((r) => r.active?.scriptURL),
    );
    t.same(workers, [`${s.url}/ui/push-sw.js`], 'the worker notifyd serves, registered');
    t.same(
      await page.evaluate(() => (window as unknown as { pushKey: number[] }).pushKey),
      [...Buffer.from(vapid.publicKey, 'base64url')],
      'subscribed with the server’s VAPID key',
    );
    const devices = await s.asUser('erin', 'GET', '/api/v1/me/devices');
    t.match(devices.body.data, [
      { kind: 'webpush', endpoint: subscription.endpoint, keys: subscription.keys, active: true },
    ]);
    t.equal(devices.body.data.length, 1);

    await push.getByRole('button', { name: 'Turn off' }).click();
    await push.and(page.locator('[data-state="off"]')).waitFor();
    t.same(
      (await s.asUser('erin', 'GET', '/api/v1/me/devices')).body.data,
      [],
      'the device is removed',
    );
  });

  t.test('category tabs show the category’s name; one without a category, its id', async (t) => {
    const s = await startServer(t);
    const billing = { id: 'billing', name: 'Billing and invoices', default_channels: ['in_app'] };
    t.equal((await s.api('POST', '/api/v1/categories', billing)).status, 201);
    t.equal((await sendBilling(s)).status, 202);
    const page = await newPage(t, browser);
    const inbox = await openInbox(page, s, 'erin');
    await inbox.evaluate((el) => el.setAttribute('categories', 'billing,social'));
    await inbox.locator('button.bell').click();
    const tab = inbox.getByRole('tab', { name: 'Billing and invoices' });
    await tab.waitFor();
    t.equal(await tab.getAttribute('data-tab'), 'billing', 'the tab still filters by id');
    t.ok(await inbox.getByRole('tab', { name: 'social' }).isVisible(), 'no such category: its id');
    await tab.click();
    await inbox.getByText('Invoice ready').waitFor();
    t.equal(await tab.getAttribute('aria-selected'), 'true');
  });
}
