import type { Actor, Notification } from '../client/index.js';
import { h, safeUrl } from '../shared/dom.js';
import type { FeedEntry } from './group.js';
import { type InboxStrings, relativeTime } from './strings.js';

/** What an item's buttons do (to every member of a group); the element supplies them. */
export interface ItemHandlers {
  open(entry: FeedEntry, url: string | null): void;
  markRead(entry: FeedEntry): void;
  dismiss(entry: FeedEntry): void;
  act(n: Notification, actionId: string, url: string | null): void;
}

/** Avatars drawn per group. */
const AVATARS = 3;

/** A key that changes whenever an item must be drawn again. */
export function itemVersion(entry: FeedEntry, locale: string): string {
  const n = entry.latest;
  return [
    entry.members.map((m) => `${m.id}:${m.read}`).join(','),
    n.action_taken?.action_id ?? '',
    n.content.title,
    n.content.body,
    locale,
  ].join('|');
}

/** The actors of a group: "Alice and 3 others", or "4 notifications" when none are named. */
function groupLine(entry: FeedEntry, t: InboxStrings): HTMLElement | null {
  if (entry.members.length < 2) return null;
  const names = entry.actors.map((a) => a.name ?? a.id);
  const text =
    names.length > 0 ? t.actors(names, entry.actors.length) : t.groupCount(entry.members.length);
  return h(
    'div',
    { class: 'group', part: 'item-group' },
    h(
      'span',
      { class: 'avatars', 'aria-hidden': 'true' },
      ...entry.actors.slice(0, AVATARS).map((a) => avatar(a)),
    ),
    h('span', { class: 'actors' }, text),
    h(
      'span',
      { class: 'count', part: 'item-count', title: t.groupCount(entry.members.length) },
      h('span', { 'aria-hidden': 'true' }, String(entry.members.length)),
      h('span', { class: 'sr' }, t.groupCount(entry.members.length)),
    ),
  );
}

/** An actor's picture (https only), else their initial. Decorative: the names are the text. */
function avatar(a: Actor): HTMLElement {
  const src = a.avatar_url ? safeUrl(a.avatar_url, location.href) : null;
  if (src?.startsWith('https:')) {
    return h('img', { class: 'avatar', part: 'avatar', src, alt: '', loading: 'lazy' });
  }
  const initial = [...(a.name ?? a.id).trim()][0]?.toUpperCase() ?? '?';
  return h('span', { class: 'avatar', part: 'avatar' }, initial);
}

/** One entry (a notification, or a group of them) as a list item. Sender text is only ever set as text. */
export function renderItem(
  entry: FeedEntry,
  t: InboxStrings,
  locale: string,
  on: ItemHandlers,
): HTMLLIElement {
  const n = entry.latest;
  const read = entry.unread === 0;
  const url = safeUrl(n.content.action_url, location.href);
  const titleId = `t-${n.id}`;
  const title = h('p', { class: 'item-title', id: titleId, part: 'item-title' }, n.content.title);
  const opener = url
    ? h('a', { class: 'open', href: url, rel: 'noopener' }, title)
    : h('div', { class: 'open' }, title);
  if (url) {
    opener.addEventListener('click', (e) => {
      e.preventDefault();
      on.open(entry, url);
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
  if (!read) {
    const mark = h(
      'button',
      { type: 'button', class: 'icon mark-read', 'aria-label': t.markRead, title: t.markRead },
      '✓',
    );
    mark.addEventListener('click', () => on.markRead(entry));
    tools.append(mark);
  }
  const dismiss = h(
    'button',
    { type: 'button', class: 'icon dismiss', 'aria-label': t.dismiss, title: t.dismiss },
    '×',
  );
  dismiss.addEventListener('click', () => on.dismiss(entry));
  tools.append(dismiss);
  return h(
    'li',
    {
      class: read ? 'item' : 'item unread',
      part: read ? 'item' : 'item item-unread',
      'data-id': n.id,
      'data-group': n.group_key ?? undefined,
      'data-count': String(entry.members.length),
      tabindex: '-1',
      'aria-labelledby': titleId,
    },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'body' },
      opener,
      groupLine(entry, t),
      n.content.body ? h('p', { class: 'item-text' }, n.content.body) : null,
      h('div', { class: 'meta' }, time, read ? null : h('span', { class: 'sr' }, t.unreadItem)),
      actions,
    ),
    tools,
  );
}
