import type { Browser, Page } from 'playwright-core';
import type { Test } from 'tap';
import { launchBrowser } from './browser.js';
import { ADMIN_KEY, type Running } from './server.js';

/** A subtest of a browser test file: the file's Chromium comes with it. */
export type BrowserTest = (
  name: string,
  body: (t: Test, browser: Browser) => Promise<void>,
) => void;

/**
 * One Chromium for a test file (starting it is the slow part; each test makes its own
 * context), and `test`, which runs a subtest with it — or none when there is no browser
 * (launchBrowser failed or skipped the file). A loaded machine slows Chromium down: the file
 * gets four minutes, each wait ten seconds (newPage).
 */
export async function browserTests(top: Test): Promise<BrowserTest> {
  top.setTimeout(240_000);
  const browser = await launchBrowser(top);
  return (name, body) => {
    if (browser) top.test(name, (t) => body(t, browser));
  };
}

/** Types a key into the console's sign-in form (at `via`: /ui/admin, or /console). */
export async function signIn(page: Page, s: Running, key = ADMIN_KEY, via = '/ui/admin') {
  await page.goto(`${s.url}${via}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signed in with the admin key, the overview shown. */
export async function openConsole(page: Page, s: Running) {
  await signIn(page, s);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}
