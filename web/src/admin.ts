/**
 * The admin console at /ui/admin: sign in with an API key (kept in session storage, never in
 * the URL), then pages for what the API offers. Hash routing (#/keys) keeps it one page.
 */

import { alertsPage } from './admin/alerts.js';
import { ApiError, api, describe, session } from './admin/api.js';
import { deadLettersPage } from './admin/dead-letters.js';
import { funnelPage } from './admin/funnels.js';
import { notificationsPage } from './admin/notifications.js';
import { overviewPage } from './admin/overview.js';
import { PAGES, type PageSpec } from './admin/pages.js';
import { providersPage } from './admin/providers.js';
import { resourcePage } from './admin/resource.js';
import { subscriberPage } from './admin/subscriber.js';
import { templatePage } from './admin/templates.js';
import { analyticsPage, sendPage } from './admin/views.js';
import { workflowPage } from './admin/workflows.js';
import { h } from './shared/dom.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The page a hash names (`#/notifications/ntf_…`: the page, then what it should open). */
function pageOf(hash: string): { page: PageSpec; arg: string } {
  const [id = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  let arg = '';
  try {
    arg = decodeURIComponent(rest.join('/'));
  } catch {}
  return { page: PAGES.find((p) => p.id === id) ?? PAGES[0], arg };
}

function drawNav(current: PageSpec): void {
  const list = $('nav-list');
  const items: HTMLElement[] = [];
  let group = '';
  for (const p of PAGES) {
    if (p.group !== group) {
      group = p.group;
      items.push(h('li', { class: 'group', 'aria-hidden': 'true' }, group));
    }
    items.push(
      h(
        'li',
        {},
        h('a', { href: `#/${p.id}`, 'aria-current': p === current ? 'page' : undefined }, p.title),
      ),
    );
  }
  list.replaceChildren(...items);
}

function show(): void {
  const { page, arg } = pageOf(location.hash);
  drawNav(page);
  $('page-title').textContent = page.title;
  document.title = `${page.title} · notifyd console`;
  const main = $('page');
  if (arg && page.item === 'template') templatePage(main, arg);
  else if (arg && page.item === 'workflow') workflowPage(main, arg);
  else if (arg && page.item === 'subscriber') subscriberPage(main, arg);
  else if (arg && page.item === 'funnel') funnelPage(main, arg);
  else if (page.resource) resourcePage(main, page.resource);
  else if (page.view === 'send') sendPage(main);
  else if (page.view === 'analytics') analyticsPage(main);
  else if (page.view === 'notifications') notificationsPage(main, arg);
  else if (page.view === 'dead-letters') deadLettersPage(main);
  else if (page.view === 'providers') providersPage(main);
  else if (page.view === 'alerts') alertsPage(main);
  else overviewPage(main);
}

function signedIn(): void {
  $('login').hidden = true;
  $('shell').hidden = false;
  const key = session.key ?? '';
  $('whoami').textContent = `key ${key.slice(0, 10)}…`;
  show();
}

function signedOut(message = ''): void {
  session.key = null;
  $('shell').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $<HTMLInputElement>('login-key').focus();
}

/** A key is good when it may list keys (an admin key). */
async function check(key: string): Promise<string | null> {
  try {
    await api('GET', '/api/v1/keys', undefined, key);
    return null;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      return err.status === 401
        ? 'That key is not valid.'
        : `That key may not administer notifyd (${err.message})`;
    }
    return describe(err);
  }
}

async function start(): Promise<void> {
  $<HTMLFormElement>('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const key = $<HTMLInputElement>('login-key').value.trim();
    const problem = await check(key);
    if (problem) {
      $('login-error').textContent = problem;
      return;
    }
    session.key = key;
    $<HTMLInputElement>('login-key').value = '';
    signedIn();
  });
  $('sign-out').addEventListener('click', () => signedOut());
  window.addEventListener('hashchange', () => {
    if (session.key) show();
  });
  const key = session.key;
  if (key && !(await check(key))) signedIn();
  else signedOut();
}

void start();
