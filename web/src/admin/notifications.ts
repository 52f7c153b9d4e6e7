/**
 * The Notifications page: a recipient's notifications (by request or delivery status) and a
 * timeline per notification: accepted, routed, each delivery's attempts and provider answer,
 * read and dismissed; a dead-lettered delivery can be retried from it.
 */

import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { cell, table } from './cells.js';

/** A delivery as GET /notifications/{id} shows it. */
export interface Delivery {
  id: string;
  channel: string;
  status: string;
  skip_reason: string | null;
  attempts: number;
  last_error: string | null;
  provider_message_id: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A notification with its deliveries. */
interface Sent {
  id: string;
  request_id: string;
  recipient_id: string;
  category: string;
  priority: string;
  content: { title?: string; body?: string };
  template: { key?: string; version?: number } | null;
  read_at: string | null;
  dismissed_at: string | null;
  action_taken: { action_id: string; at: string } | null;
  created_at: string;
  deliveries: Delivery[];
}

/** Every delivery status the API reports. */
export const STATUSES = [
  'pending',
  'deferred',
  'sent',
  'delivered',
  'acknowledged',
  'failed',
  'bounced',
  'skipped',
  'cancelled',
  'expired',
];

/** Statuses that went wrong, shown in the danger colour. */
const BAD = new Set(['failed', 'bounced', 'expired']);

/** A delivery status as a pill ("sms: failed"). */
export function statusPill(status: string, channel?: string): HTMLElement {
  const cls = BAD.has(status)
    ? 'pill bad'
    : status === 'pending' || status === 'deferred'
      ? 'pill wait'
      : 'pill good';
  return h('span', { class: cls }, channel ? `${channel}: ${status}` : status);
}

const when = (iso: string) => cell(iso);

/** One step of a timeline: when, what, and the details under it. */
function step(
  at: string | null,
  title: string,
  ...details: Array<Node | string | null>
): HTMLElement {
  return h(
    'li',
    {},
    h('div', { class: 'when muted' }, at ? when(at) : '—'),
    h(
      'div',
      { class: 'what' },
      h('strong', {}, title),
      ...details.filter((d) => d !== null).map((d) => h('div', {}, d)),
    ),
  );
}

function deliverySteps(d: Delivery, retry: (d: Delivery) => Promise<void>): HTMLElement[] {
  const steps = [step(d.created_at, `Routed to ${d.channel}`, `Delivery ${d.id}`)];
  const answer: Array<Node | string | null> = [statusPill(d.status)];
  if (d.attempts > 0) answer.push(`${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`);
  if (d.provider_message_id) answer.push(`Provider message id: ${d.provider_message_id}`);
  if (d.last_error)
    answer.push(h('span', { class: 'error' }, `Last provider answer: ${d.last_error}`));
  if (d.skip_reason) answer.push(`Skipped: ${d.skip_reason}`);
  if (d.next_attempt_at) answer.push(h('span', {}, 'Next attempt ', when(d.next_attempt_at)));
  if (d.status === 'failed') {
    const button = h('button', { type: 'button', class: 'small' }, `Retry ${d.channel}`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      await retry(d);
    });
    answer.push(button);
  }
  const settled =
    d.status === 'pending' || d.status === 'deferred' ? 'Waiting' : `${d.channel} ${d.status}`;
  steps.push(
    step(d.attempts > 0 || d.status !== 'pending' ? d.updated_at : null, settled, ...answer),
  );
  return steps;
}

/** Draws a notification's timeline into `into`, reloading it after a retry. */
export async function showTimeline(into: HTMLElement, id: string): Promise<void> {
  into.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let n: Sent;
  try {
    n = await api<Sent>('GET', `/api/v1/notifications/${encodeURIComponent(id)}`);
  } catch (err) {
    into.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    return;
  }
  const notice = h('div', { role: 'status' });
  const retry = async (d: Delivery) => {
    try {
      await api('POST', `/api/v1/deliveries/${encodeURIComponent(d.id)}/retry`);
      await showTimeline(into, id);
      into
        .querySelector('[role="status"]')
        ?.replaceChildren(h('p', { class: 'ok' }, `Delivery ${d.id} queued again.`));
    } catch (err) {
      notice.replaceChildren(h('p', { class: 'error' }, describe(err)));
    }
  };
  const steps: HTMLElement[] = [
    step(
      n.created_at,
      'Accepted',
      `Request ${n.request_id} · to ${n.recipient_id} · category ${n.category} · ${n.priority}`,
      n.template ? `Template ${n.template.key ?? ''} v${n.template.version ?? '?'}` : null,
    ),
  ];
  for (const d of n.deliveries) steps.push(...deliverySteps(d, retry));
  // One not sent in-app is stored read and dismissed (out of the feed): nobody read it.
  const inFeed = n.deliveries.some((d) => d.channel === 'in_app');
  if (inFeed && n.read_at) steps.push(step(n.read_at, 'Read by the recipient'));
  if (n.action_taken) {
    steps.push(step(n.action_taken.at, `Action taken: ${n.action_taken.action_id}`));
  }
  if (inFeed && n.dismissed_at) steps.push(step(n.dismissed_at, 'Dismissed by the recipient'));
  into.replaceChildren(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, `Timeline of ${n.id}`),
      h(
        'p',
        {},
        h('strong', {}, n.content.title ?? '(no title)'),
        n.content.body ? ` — ${n.content.body}` : '',
      ),
      h('ol', { class: 'timeline' }, ...steps),
      notice,
    ),
  );
}

const labelled = (id: string, label: string, control: HTMLElement) => [
  h('label', { for: id }, label),
  control,
];

/** The search form, its results and the timeline; `arg` is a notification id to open. */
export function notificationsPage(main: HTMLElement, arg = ''): void {
  const recipient = h('input', {
    id: 'search-recipient',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const request = h('input', { id: 'search-request', autocomplete: 'off', spellcheck: 'false' });
  const status = h(
    'select',
    { id: 'search-status' },
    h('option', { value: '' }, 'Any'),
    ...STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const byId = h('input', { id: 'search-id', autocomplete: 'off', spellcheck: 'false' });
  const results = h('div', {});
  const timeline = h('div', {});
  const search = h(
    'form',
    { class: 'card', role: 'search', 'aria-label': 'Search notifications' },
    h('h2', {}, 'Search'),
    h(
      'div',
      { class: 'row' },
      h('div', {}, ...labelled('search-recipient', 'Recipient (user id)', recipient)),
      h('div', {}, ...labelled('search-request', 'Request id (optional)', request)),
      h('div', {}, ...labelled('search-status', 'Delivery status', status)),
    ),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Search')),
  );
  const open = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Open a notification'),
    ...labelled('search-id', 'Notification id', byId),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'secondary' }, 'Show timeline'),
    ),
  );

  let cursor: string | null = null;
  const run = async (more: boolean) => {
    const q = new URLSearchParams({ recipient_id: recipient.value.trim(), limit: '20' });
    if (request.value.trim()) q.set('request_id', request.value.trim());
    if (status.value) q.set('status', status.value);
    if (more && cursor) q.set('before', cursor);
    try {
      const page = await api<{ data: Sent[]; next_cursor: string | null }>(
        'GET',
        `/api/v1/notifications?${q}`,
      );
      cursor = page.next_cursor;
      const rows = page.data.map((n) => ({ ...n, title: n.content.title ?? '' }));
      const list = rows.length
        ? table(
            rows as unknown as Record<string, unknown>[],
            [
              ['created_at', 'Sent'],
              ['title', 'Title'],
              ['category', 'Category'],
              ['request_id', 'Request'],
            ],
            (row) => {
              const pills = (row.deliveries as Delivery[]).map((d) =>
                statusPill(d.status, d.channel),
              );
              const button = h('button', { type: 'button', class: 'secondary small' }, 'Timeline');
              button.addEventListener('click', () => {
                history.replaceState(null, '', `#/notifications/${String(row.id)}`);
                void showTimeline(timeline, String(row.id)).then(() =>
                  timeline.querySelector('h2')?.scrollIntoView({ block: 'nearest' }),
                );
              });
              return [...pills, ' ', button];
            },
          )
        : h('div', { class: 'empty card' }, 'No notification matches.');
      const next = h('button', { type: 'button', class: 'secondary small' }, 'Older');
      next.addEventListener('click', () => void run(true));
      results.replaceChildren(
        h('h2', { class: 'sr' }, 'Results'),
        list,
        cursor ? h('div', { class: 'toolbar' }, next) : '',
      );
    } catch (err) {
      results.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    }
  };
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    cursor = null;
    void run(false);
  });
  open.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = byId.value.trim();
    if (!id) return;
    history.replaceState(null, '', `#/notifications/${id}`);
    void showTimeline(timeline, id);
  });
  recipient.required = true;
  byId.required = true;
  main.replaceChildren(h('div', { class: 'grid wide' }, search, open), results, timeline);
  if (arg) {
    byId.value = arg;
    void showTimeline(timeline, arg);
  }
}
