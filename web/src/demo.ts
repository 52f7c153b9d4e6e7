/** The demo page: a token for the inbox, and a form that sends the user a notification. */
import './inbox.js';
import type { NotifydInbox } from './inbox/element.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The `sub` of a JWT, read without checking it (the server checks it). */
function subjectOf(token: string): string | null {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const sub = (JSON.parse(atob(payload)) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

function start(): void {
  const inbox = $<NotifydInbox>('inbox');
  const tokenField = $<HTMLTextAreaElement>('token');
  const keyField = $<HTMLInputElement>('key');
  const theme = $<HTMLSelectElement>('theme');
  const who = $('who');
  const sent = $('sent');

  const useToken = (token: string) => {
    const sub = subjectOf(token);
    who.textContent = sub ? `Signed in as ${sub}` : 'That is not a JWT.';
    who.classList.toggle('error', !sub);
    if (!sub) return;
    sessionStorage.setItem('notifyd-demo-token', token);
    inbox.setAttribute('token', token);
  };
  const applyTheme = (value: string) => {
    inbox.setAttribute('theme', value);
    const dark =
      value === 'dark' || (value === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.classList.toggle('dark', dark);
    sessionStorage.setItem('notifyd-demo-theme', value);
  };

  theme.value = sessionStorage.getItem('notifyd-demo-theme') ?? 'light';
  applyTheme(theme.value);
  theme.addEventListener('change', () => applyTheme(theme.value));

  const saved =
    new URLSearchParams(location.hash.slice(1)).get('token') ??
    sessionStorage.getItem('notifyd-demo-token');
  if (saved) {
    tokenField.value = saved;
    useToken(saved);
    if (location.hash) history.replaceState(null, '', location.pathname);
  }
  keyField.value = sessionStorage.getItem('notifyd-demo-key') ?? '';

  $<HTMLFormElement>('connect').addEventListener('submit', (e) => {
    e.preventDefault();
    useToken(tokenField.value.trim());
  });

  $<HTMLFormElement>('send').addEventListener('submit', async (e) => {
    e.preventDefault();
    const recipient = subjectOf(tokenField.value.trim());
    if (!recipient) {
      sent.textContent = 'Sign in first (step 1).';
      return;
    }
    const key = keyField.value.trim();
    sessionStorage.setItem('notifyd-demo-key', key);
    const withActions = $<HTMLInputElement>('with-actions').checked;
    const body = {
      recipient_id: recipient,
      content: {
        title: $<HTMLInputElement>('title').value,
        body: $<HTMLInputElement>('body').value,
      },
      ...(withActions
        ? {
            actions: [
              { id: 'open', label: 'Open', type: 'primary' },
              { id: 'later', label: 'Later', type: 'secondary' },
            ],
          }
        : {}),
    };
    sent.textContent = 'Sending…';
    sent.classList.remove('error');
    try {
      const res = await fetch('/api/v1/notifications', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as {
        notification_id?: string;
        error?: { message: string };
      };
      sent.textContent = res.ok
        ? `Sent (${answer.notification_id}).`
        : (answer.error?.message ?? `HTTP ${res.status}`);
      sent.classList.toggle('error', !res.ok);
    } catch (err) {
      sent.textContent = (err as Error).message;
      sent.classList.add('error');
    }
  });
}

start();
