import type { Notification } from '../client/index.js';
import { h, safeUrl } from './dom.js';
import { type InboxStrings, relativeTime } from './strings.js';

/** What an item's buttons do; the element supplies them. */
export interface ItemHandlers {
  open(n: Notification, url: string | null): void;
  markRead(n: Notification): void;
  dismiss(n: Notification): void;
  act(n: Notification, actionId: string, url: string | null): void;
}

/** A key that changes whenever an item must be drawn again. */
export function itemVersion(n: Notification, locale: string): string {
  return [n.read, n.action_taken?.action_id ?? '', n.content.title, n.content.body, locale].join(
    '|',
  );
}

/** One notification as a list item. Sender text is only ever set as text. */
export function renderItem(
  n: Notification,
  t: InboxStrings,
  locale: string,
  on: ItemHandlers,
): HTMLLIElement {
  const url = safeUrl(n.content.action_url, location.href);
  const titleId = `t-${n.id}`;
  const title = h('p', { class: 'item-title', id: titleId, part: 'item-title' }, n.content.title);
  const opener = url
    ? h('a', { class: 'open', href: url, rel: 'noopener' }, title)
    : h('div', { class: 'open' }, title);
  if (url) {
    opener.addEventListener('click', (e) => {
      e.preventDefault();
      on.open(n, url);
    });
  }
  const time = h(
    'time',
    { datetime: n.created_at, title: new Date(n.created_at).toLocaleString(locale) },
    relativeTime(n.created_at, locale),
  );
  const actions = n.actions.length
    ? h(
        'div',
        { class: 'actions' },
        ...n.actions.map((a) => {
          const button = h(
            'button',
            {
              type: 'button',
              class: `action ${a.type}`,
              part: `action action-${a.type}`,
              disabled: n.action_taken !== null,
              'aria-pressed': n.action_taken?.action_id === a.id ? 'true' : undefined,
            },
            a.label,
          );
          button.addEventListener('click', () => on.act(n, a.id, safeUrl(a.url, location.href)));
          return button;
        }),
      )
    : null;
  const tools = h('div', { class: 'tools' });
  if (!n.read) {
    const read = h(
      'button',
      { type: 'button', class: 'icon mark-read', 'aria-label': t.markRead, title: t.markRead },
      '✓',
    );
    read.addEventListener('click', () => on.markRead(n));
    tools.append(read);
  }
  const dismiss = h(
    'button',
    { type: 'button', class: 'icon dismiss', 'aria-label': t.dismiss, title: t.dismiss },
    '×',
  );
  dismiss.addEventListener('click', () => on.dismiss(n));
  tools.append(dismiss);
  return h(
    'li',
    {
      class: n.read ? 'item' : 'item unread',
      part: n.read ? 'item' : 'item item-unread',
      'data-id': n.id,
      tabindex: '-1',
      'aria-labelledby': titleId,
    },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'body' },
      opener,
      n.content.body ? h('p', { class: 'item-text' }, n.content.body) : null,
      h('div', { class: 'meta' }, time, n.read ? null : h('span', { class: 'sr' }, t.unreadItem)),
      actions,
    ),
    tools,
  );
}
