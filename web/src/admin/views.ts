import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { pre, table } from './cells.js';

const RECENT = 'notifyd-console-recent';

/** Sends made from this console in this tab, newest first. */
interface Recent {
  notification_id: string;
  request_id?: string;
  recipient_id: string;
  title: string;
  at: string;
}

function recent(): Recent[] {
  try {
    return JSON.parse(sessionStorage.getItem(RECENT) ?? '[]') as Recent[];
  } catch {
    return [];
  }
}

const field = (id: string, label: string, attrs: Record<string, string> = {}) => {
  const input = h('input', { id, name: id, ...attrs });
  return { input, nodes: [h('label', { for: id }, label), input] };
};

/** Send a notification, and the sends made here with their deliveries. */
export function sendPage(main: HTMLElement): void {
  const recipient = field('recipient', 'Recipient (user id)', {
    required: 'true',
    autocomplete: 'off',
  });
  const title = field('title', 'Title', { required: 'true' });
  const text = field('text', 'Body');
  const category = field('category', 'Category (optional)');
  const result = h('div', { role: 'status' });
  const submit = h('button', { type: 'submit' }, 'Send');
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Send a notification'),
    ...recipient.nodes,
    ...title.nodes,
    ...text.nodes,
    ...category.nodes,
    h('div', { class: 'form-actions' }, submit),
    result,
  );
  const list = h('section', { class: 'card' });
  const drawRecent = () => {
    const rows = recent();
    list.replaceChildren(h('h2', {}, 'Recent sends (this tab)'));
    if (rows.length === 0) {
      list.append(h('p', { class: 'muted' }, 'Nothing sent from here yet.'));
      return;
    }
    list.append(
      table(
        rows as unknown as Record<string, unknown>[],
        [
          ['at', 'Sent'],
          ['recipient_id', 'Recipient'],
          ['title', 'Title'],
          ['notification_id', 'Notification'],
        ],
        (row) => [
          h(
            'a',
            { href: `#/notifications/${encodeURIComponent(String(row.notification_id))}` },
            'Timeline',
          ),
        ],
      ),
    );
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = {
      recipient_id: recipient.input.value.trim(),
      content: { title: title.input.value, body: text.input.value },
      ...(category.input.value.trim() ? { category: category.input.value.trim() } : {}),
    };
    try {
      const answer = await api<{ notification_id: string; request_id?: string }>(
        'POST',
        '/api/v1/notifications',
        body,
      );
      result.replaceChildren(h('p', { class: 'ok' }, `Accepted: ${answer.notification_id}`));
      const rows = [
        {
          notification_id: answer.notification_id,
          ...(answer.request_id ? { request_id: answer.request_id } : {}),
          recipient_id: body.recipient_id,
          title: body.content.title,
          at: new Date().toISOString(),
        },
        ...recent(),
      ].slice(0, 50);
      sessionStorage.setItem(RECENT, JSON.stringify(rows));
      drawRecent();
    } catch (err) {
      result.replaceChildren(h('p', { class: 'error' }, describe(err)));
    } finally {
      submit.disabled = false;
    }
  });
  main.replaceChildren(h('div', { class: 'grid' }, form, list));
  drawRecent();
}

/** A time-series query over the analytics events, and the metrics there are. */
export function analyticsPage(main: HTMLElement): void {
  const now = Date.now();
  const query = h('textarea', { id: 'query', spellcheck: 'false', 'aria-label': 'Query (JSON)' });
  query.value = JSON.stringify(
    {
      metrics: ['count:notification.sent'],
      time_range: {
        start: new Date(now - 86_400_000).toISOString(),
        end: new Date(now).toISOString(),
      },
      granularity: 'hour',
    },
    null,
    2,
  );
  const run = h('button', { type: 'submit' }, 'Run query');
  const out = h('div', {});
  const metrics = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Query'),
    h('p', { class: 'muted' }, 'The body of POST /api/v1/analytics/query.'),
    query,
    h('div', { class: 'form-actions' }, run),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const answer = await api<{ data?: Record<string, unknown>[] }>(
        'POST',
        '/api/v1/analytics/query',
        JSON.parse(query.value),
      );
      const rows = (answer.data ?? []).map((row) => {
        const { values, ...rest } = row as { values?: Record<string, unknown> };
        return { ...rest, ...values };
      });
      out.replaceChildren(
        h(
          'section',
          { class: 'card' },
          h('h2', {}, `${rows.length} rows`),
          rows.length ? table(rows, []) : pre(answer),
        ),
      );
    } catch (err) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, describe(err)));
    }
  });
  main.replaceChildren(
    h(
      'div',
      { class: 'grid' },
      form,
      h('section', { class: 'card' }, h('h2', {}, 'Metrics'), metrics),
    ),
    out,
  );
  api('GET', '/api/v1/analytics/metrics')
    .then((m) => metrics.replaceChildren(pre(m)))
    .catch((err) => metrics.replaceChildren(h('p', { class: 'error' }, describe(err))));
}
