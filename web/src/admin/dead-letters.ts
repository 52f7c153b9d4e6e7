/**
 * The Dead letters page: deliveries that failed for good, newest first, by channel, each with
 * its last provider answer, a retry and a link to its notification's timeline; retry all.
 */

import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { confirmButton, table } from './cells.js';

interface DeadLetter {
  id: string;
  channel: string;
  attempts: number;
  last_error: string | null;
  notification_id: string;
  recipient_id: string;
  updated_at: string;
}

export function deadLettersPage(main: HTMLElement): void {
  const channel = h('input', {
    id: 'dead-channel',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'every channel',
  });
  const notice = h('div', { class: 'notice', role: 'status', hidden: true });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('div', { class: 'toolbar' });
  const say = (text: string, error = false) => {
    notice.hidden = false;
    notice.className = error ? 'notice error' : 'notice';
    notice.replaceChildren(text);
  };
  let before: string | null = null;

  const load = async (more = false) => {
    const q = new URLSearchParams({ limit: '50' });
    if (channel.value.trim()) q.set('channel', channel.value.trim());
    if (more && before) q.set('before', before);
    try {
      const page = await api<{ data: DeadLetter[]; next_cursor: string | null }>(
        'GET',
        `/api/v1/deliveries/dead?${q}`,
      );
      before = page.next_cursor;
      list.replaceChildren(
        page.data.length
          ? table(
              page.data as unknown as Record<string, unknown>[],
              [
                ['updated_at', 'Failed'],
                ['channel', 'Channel'],
                ['recipient_id', 'Recipient'],
                ['attempts', 'Attempts'],
                ['last_error', 'Last provider answer'],
              ],
              (row) => {
                const retry = h('button', { type: 'button', class: 'small' }, 'Retry');
                retry.addEventListener('click', async () => {
                  retry.disabled = true;
                  try {
                    await api(
                      'POST',
                      `/api/v1/deliveries/${encodeURIComponent(String(row.id))}/retry`,
                    );
                    say(`Delivery ${String(row.id)} queued again.`);
                  } catch (err) {
                    say(describe(err), true);
                  }
                  await load();
                });
                const timeline = h(
                  'a',
                  { href: `#/notifications/${encodeURIComponent(String(row.notification_id))}` },
                  'Timeline',
                );
                return [timeline, ' ', retry];
              },
            )
          : h('div', { class: 'empty card' }, 'No dead letters.'),
      );
      const next = h('button', { type: 'button', class: 'secondary small' }, 'Older');
      next.addEventListener('click', () => void load(true));
      pager.replaceChildren(...(before ? [next] : []));
    } catch (err) {
      list.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    }
  };

  const filter = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Filter dead letters' },
    h('label', { for: 'dead-channel', class: 'inline' }, 'Channel'),
    channel,
    h('button', { type: 'submit', class: 'secondary' }, 'Show'),
    confirmButton('Retry all', 'Confirm retry all', async () => {
      const body = channel.value.trim() ? { channel: channel.value.trim() } : undefined;
      try {
        const r = await api<{ retried: number; more: boolean }>(
          'POST',
          '/api/v1/deliveries/dead/retry-all',
          body,
        );
        say(`${r.retried} queued again${r.more ? '; more are left, retry all again' : ''}.`);
      } catch (err) {
        say(describe(err), true);
      }
      await load();
    }),
  );
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  main.replaceChildren(filter, notice, list, pager);
  void load();
}
