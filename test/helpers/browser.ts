import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { packageRoot } from '../../src/web/assets.js';

/** The system Chromium (Debian's `chromium`), or CHROMIUM_PATH; null when there is none. */
export function chromiumPath(): string | null {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {}
  }
  return null;
}

/**
 * A headless Chromium for the test, closed when it ends. Without one the test is skipped,
 * except under CI=true, where a missing browser fails it. The browser code must be built
 * (npm run build) — a missing build fails too.
 */
export async function launchBrowser(t: Test): Promise<Browser | null> {
  if (!existsSync(join(packageRoot(), 'dist/ui/web/src/inbox.js'))) {
    t.fail('the web assets are not built: run npm run build (or npx tsc -p web/tsconfig.json)');
    return null;
  }
  const path = chromiumPath();
  if (!path) {
    if (process.env.CI === 'true')
      t.fail('no chromium (apt-get install chromium, or set CHROMIUM_PATH)');
    else t.plan(0, 'no chromium here (apt-get install chromium, or set CHROMIUM_PATH)');
    return null;
  }
  const browser = await chromium.launch({ executablePath: path, timeout: 30_000 });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * A new page whose waits are bounded, and whose console errors and CSP violations fail the
 * test (a page that works only because an error went unnoticed is not working).
 */
export async function newPage(
  t: Test,
  browser: Browser,
  opts: { colorScheme?: 'light' | 'dark' } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 760 },
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // Once the test ends its server may stop first: the page's reconnect errors are no fault.
  let open = true;
  t.teardown(async () => {
    open = false;
    await context.close();
  });
  page.on('console', (msg) => {
    if (open && msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) {
      t.fail(`browser console error: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => {
    if (open) t.fail(`page error: ${err.message}`);
  });
  return page;
}

/**
 * Saves a screenshot under docs/screenshots/ when UPDATE_SCREENSHOTS=1 (for the docs): the
 * viewport, or with `fullPage` the whole page.
 */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(packageRoot(), 'docs/screenshots', `${name}.png`), fullPage });
}
