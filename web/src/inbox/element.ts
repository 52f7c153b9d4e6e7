import {
  AccountApi,
  type ChannelName,
  type FeedQuery,
  type Notification,
  type UnreadSummary,
} from '../client/index.js';
import { h } from '../shared/dom.js';
import { InboxApi } from './api.js';
import { type FeedEntry, groupFeed } from './group.js';
import { itemVersion, renderItem } from './item.js';
import { Live, type LiveStatus, type TransportMode } from './live.js';
import { DEFAULT_CHANNELS, PreferencesPanel } from './preferences.js';
import { PushOptIn } from './push.js';
import { type InboxStrings, stringsFor } from './strings.js';
import { INBOX_CSS } from './styles.js';

/** Where the element's script came from: the default server. */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;
const BELL_ICON = 'M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.73 21a2 2 0 0 1-3.46 0';
const SLIDERS_ICON = 'M21 4h-7M10 4H3M21 12h-9M8 12H3M21 20h-5M12 20H3M14 2v4M8 10v4M16 18v4';
const KNOWN_CHANNELS = new Set<string>(['in_app', 'email', 'push', 'sms', 'webhook']);

/** An SVG icon of one stroked path, hidden from screen readers (its button has a label). */
function icon(d: string): SVGSVGElement {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(svgNs, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

let sheet: CSSStyleSheet | null = null;
let instances = 0;

/**
 * `<notifyd-inbox>`: a bell with the unread count and a dropdown feed of the user's
 * notifications, live over the notifyd client. Attributes: `server` (default: where this
 * script came from), `token` (the user's JWT), `locale`, `theme` (light, dark, auto),
 * `transport` (auto, websocket, sse), `categories` (extra tabs by category id, comma
 * separated; a tab shows the category's name), `page-size`, `channels` (the preferences
 * panel's columns), `service-worker` (the web push worker, when the page is not on
 * notifyd's origin). Property: `tokenProvider`, a function giving a fresh token.
 */
export class NotifydInbox extends HTMLElement {
  static observedAttributes = [
    'server',
    'token',
    'locale',
    'transport',
    'categories',
    'page-size',
    'channels',
  ];

  private provider: (() => string | Promise<string>) | null = null;

  private readonly root: ShadowRoot;
  private readonly uid = `notifyd-inbox-${++instances}`;
  private readonly bell: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLDivElement;
  private readonly heading: HTMLHeadingElement;
  private readonly markAll: HTMLButtonElement;
  private readonly closer: HTMLButtonElement;
  private readonly prefsButton: HTMLButtonElement;
  private readonly feedView: HTMLDivElement;
  private readonly prefs: PreferencesPanel;
  private readonly push: PushOptIn;
  private account: AccountApi | null = null;
  /** Category id → the name the admin gave it (from /me/preferences), for the tabs. */
  private categoryNames = new Map<string, string>();
  private readonly tabs: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly list: HTMLUListElement;
  private readonly state: HTMLDivElement;
  private readonly more: HTMLButtonElement;
  private readonly announcer: HTMLDivElement;

  private api: InboxApi | null = null;
  private live: Live | null = null;
  private items: Notification[] = [];
  private readonly drawn = new Map<string, { el: HTMLLIElement; version: string }>();
  private cursor: string | null = null;
  private hasMore = false;
  private loading = false;
  private failed = false;
  private counts: UnreadSummary | null = null;
  private tab = 'all';
  private cachedToken: string | null = null;
  /** Bumped on every restart and tab change: answers of older loads are dropped. */
  private generation = 0;
  private countTimer: ReturnType<typeof setTimeout> | null = null;
  private observer: IntersectionObserver | null = null;
  private restartQueued = false;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open', delegatesFocus: false });
    sheet ??= new CSSStyleSheet();
    if (sheet.cssRules.length === 0) sheet.replaceSync(INBOX_CSS);
    this.root.adoptedStyleSheets = [sheet];
    const panelId = `${this.uid}-panel`;
    this.badge = h('span', { class: 'badge', part: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.bell = h('button', {
      type: 'button',
      class: 'bell',
      part: 'bell',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      'aria-controls': panelId,
    });
    this.bell.append(icon(BELL_ICON), this.badge);
    this.heading = h('h2', { id: `${this.uid}-title` });
    this.markAll = h('button', { type: 'button', class: 'link mark-all', part: 'mark-all' });
    this.closer = h('button', { type: 'button', class: 'icon close' }, '×');
    this.prefsButton = h('button', {
      type: 'button',
      class: 'icon prefs-toggle',
      part: 'preferences-button',
      'aria-pressed': 'false',
    });
    this.prefsButton.append(icon(SLIDERS_ICON));
    this.push = new PushOptIn(() => ({
      api: this.account,
      strings: this.strings,
      server: this.server,
      worker: this.getAttribute('service-worker'),
    }));
    this.prefs = new PreferencesPanel(
      () => ({
        api: this.account,
        strings: this.strings,
        locale: this.locale,
        channels: this.channels,
        uid: this.uid,
      }),
      this.push.el,
    );
    this.tabs = h('div', { class: 'tabs', role: 'tablist', part: 'tabs' });
    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.list = h('ul', { class: 'list', part: 'list', id: `${this.uid}-list` });
    this.state = h('div', { class: 'state', part: 'state' });
    this.more = h('button', { type: 'button', class: 'more', hidden: true });
    this.feedView = h(
      'div',
      { class: 'feed' },
      this.tabs,
      h(
        'div',
        { role: 'tabpanel', class: 'list', 'aria-labelledby': `${this.uid}-title` },
        this.list,
        this.state,
        this.more,
      ),
    );
    this.panel = h(
      'div',
      {
        class: 'panel',
        part: 'panel',
        id: panelId,
        role: 'dialog',
        'aria-modal': 'false',
        'aria-labelledby': `${this.uid}-title`,
        hidden: true,
      },
      h('div', { class: 'head' }, this.heading, this.markAll, this.prefsButton, this.closer),
      this.banner,
      this.feedView,
      this.prefs.el,
    );
    this.announcer = h('div', { class: 'sr', 'aria-live': 'polite' });
    this.root.append(this.bell, this.panel, this.announcer);

    this.bell.addEventListener('click', () => this.toggle());
    this.bell.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.toggle(true);
        this.focusItem(0);
      }
    });
    this.closer.addEventListener('click', () => this.toggle(false));
    this.prefsButton.addEventListener('click', () => this.showPreferences(this.prefs.el.hidden));
    this.markAll.addEventListener('click', () => void this.markAllRead());
    this.more.addEventListener('click', () => void this.loadMore());
    this.panel.addEventListener('keydown', (e) => this.onPanelKey(e));
    this.onOutside = this.onOutside.bind(this);
  }

  connectedCallback(): void {
    if (!this.hasAttribute('theme')) this.setAttribute('theme', 'light');
    document.addEventListener('click', this.onOutside);
    this.drawStrings();
    this.restart();
  }

  disconnectedCallback(): void {
    document.removeEventListener('click', this.onOutside);
    this.stop();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value || !this.isConnected) return;
    if (name === 'locale') {
      this.drawStrings();
      this.drawList(true);
      this.prefs.draw();
      this.push.draw();
    } else if (name === 'channels') {
      this.prefs.draw();
    } else {
      this.queueRestart();
    }
  }

  /** Opens or closes the dropdown (toggles without an argument). */
  toggle(open = this.panel.hidden): void {
    if (open === !this.panel.hidden) return;
    this.panel.hidden = !open;
    this.bell.setAttribute('aria-expanded', String(open));
    if (open) {
      this.observeMore();
    } else {
      this.observer?.disconnect();
      if (this.root.activeElement && this.root.activeElement !== this.bell) this.bell.focus();
    }
  }

  /** Shows the preferences panel instead of the feed (or the feed again). */
  showPreferences(show = true): void {
    if (show === !this.prefs.el.hidden) return;
    this.prefs.el.hidden = !show;
    this.feedView.hidden = show;
    this.markAll.hidden = show;
    this.prefsButton.setAttribute('aria-pressed', String(show));
    this.heading.textContent = show ? this.strings.preferences : this.strings.title;
    if (show) {
      this.toggle(true);
      void this.prefs.load();
      void this.push.refresh();
    }
  }

  /** Reconnects with the current attributes (also called when `tokenProvider` is set later). */
  refresh(): void {
    this.cachedToken = null;
    this.restart();
  }

  /** Called for a token when none is set as an attribute, and again when one is refused. */
  get tokenProvider(): (() => string | Promise<string>) | null {
    return this.provider;
  }

  set tokenProvider(provider: (() => string | Promise<string>) | null) {
    this.provider = provider;
    if (this.isConnected) this.queueRestart();
  }

  private get strings(): InboxStrings {
    return stringsFor(this.locale);
  }

  private get locale(): string {
    return (
      this.getAttribute('locale') || document.documentElement.lang || navigator.language || 'en'
    );
  }

  private get server(): string {
    return this.getAttribute('server') || SCRIPT_ORIGIN;
  }

  /** The preferences panel's columns: the `channels` attribute's known channels, in its order. */
  private get channels(): ChannelName[] {
    const listed = (this.getAttribute('channels') ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c): c is ChannelName => KNOWN_CHANNELS.has(c));
    return listed.length > 0 ? listed : DEFAULT_CHANNELS;
  }

  private get pageSize(): number {
    const n = Number(this.getAttribute('page-size'));
    return Number.isInteger(n) && n > 0 && n <= 100 ? n : 20;
  }

  private queueRestart(): void {
    if (this.restartQueued) return;
    this.restartQueued = true;
    queueMicrotask(() => {
      this.restartQueued = false;
      this.cachedToken = null;
      if (this.isConnected) this.restart();
    });
  }

  private async token(fresh: boolean): Promise<string> {
    const provider = this.provider;
    if (provider) {
      if (fresh || this.cachedToken === null) this.cachedToken = await provider();
      return this.cachedToken;
    }
    const attr = this.getAttribute('token');
    if (!attr) throw new Error('no token');
    return attr;
  }

  private stop(): void {
    this.live?.stop();
    this.live = null;
    this.api = null;
    this.account = null;
    this.prefs.reset();
    if (this.countTimer) clearTimeout(this.countTimer);
    this.observer?.disconnect();
  }

  private restart(): void {
    this.stop();
    this.generation++;
    this.items = [];
    this.cursor = null;
    this.hasMore = false;
    this.failed = false;
    this.drawTabs();
    if (!this.tokenProvider && !this.getAttribute('token')) {
      this.setCounts(null);
      this.drawList();
      this.prefs.draw();
      return;
    }
    this.api = new InboxApi(this.server, (fresh) => this.token(fresh), undefined);
    this.account = new AccountApi(this.server, (fresh) => this.token(fresh), undefined);
    if (!this.prefs.el.hidden) void this.prefs.load();
    this.loadCategoryNames(this.account);
    const mode = (this.getAttribute('transport') ?? 'auto') as TransportMode;
    this.live = new Live(this.server, () => this.token(true), mode, {
      notification: (n) => this.arrived(n),
      counts: (c) => (c ? this.setCounts(c) : this.refreshCounts()),
      read: (ids) => this.markedRead(ids),
      readAll: (category) => this.markedRead(this.idsOf(category)),
      removed: (ids) => this.removed(ids),
      removedAll: (category) => this.removed(this.idsOf(category)),
      updated: (n) => this.replace(n),
      status: (s, transport) => this.setStatus(s, transport),
    });
    // The badge first: one small request, before the page of the feed.
    const generation = this.generation;
    this.api
      .unreadCount()
      .then((c) => generation === this.generation && this.setCounts(c))
      .catch(() => {});
    void this.loadFirst();
    this.live.start();
  }

  private query(): FeedQuery {
    const q: FeedQuery = { limit: this.pageSize };
    if (this.tab === 'unread') q.read = false;
    else if (this.tab !== 'all') q.category = this.tab;
    return q;
  }

  private inTab(n: Notification): boolean {
    if (this.tab === 'unread') return !n.read;
    return this.tab === 'all' || n.category === this.tab;
  }

  private async loadFirst(): Promise<void> {
    this.items = [];
    this.cursor = null;
    this.hasMore = false;
    await this.load();
  }

  private async loadMore(): Promise<void> {
    if (this.hasMore && !this.loading) await this.load();
  }

  private async load(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const generation = this.generation;
    this.loading = true;
    this.failed = false;
    this.drawList();
    try {
      const page = await api.feed({
        ...this.query(),
        ...(this.cursor ? { cursor: this.cursor } : {}),
      });
      if (generation !== this.generation) return;
      const known = new Set(this.items.map((n) => n.id));
      this.items.push(...page.data.filter((n) => !known.has(n.id)));
      this.cursor = page.cursor;
      this.hasMore = page.has_more;
      this.setCounts(page);
    } catch {
      if (generation !== this.generation) return;
      this.failed = true;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.drawList();
      }
    }
  }

  private arrived(n: Notification): void {
    if (this.inTab(n) && !this.items.some((i) => i.id === n.id)) {
      const at = this.items.findIndex((i) => i.id < n.id);
      if (at === -1) this.items.push(n);
      else this.items.splice(at, 0, n);
      this.drawList();
    }
    this.announcer.textContent = this.strings.newNotification(n.content.title);
    this.dispatchEvent(
      new CustomEvent('notifyd:notification', { detail: n, bubbles: true, composed: true }),
    );
  }

  private markedRead(ids: string[]): void {
    const set = new Set(ids);
    let changed = false;
    for (const n of this.items) {
      if (set.has(n.id) && !n.read) {
        n.read = true;
        n.read_at = new Date().toISOString();
        changed = true;
      }
    }
    if (changed) this.drawList();
  }

  /** The ids of the notifications shown, or of those of one category. */
  private idsOf(category: string | null): string[] {
    return this.items.filter((n) => !category || n.category === category).map((n) => n.id);
  }

  private removed(ids: string[]): void {
    const set = new Set(ids);
    const before = this.items.length;
    this.items = this.items.filter((n) => !set.has(n.id));
    if (this.items.length !== before) this.drawList();
  }

  private replace(n: Notification): void {
    const at = this.items.findIndex((i) => i.id === n.id);
    if (at === -1) return;
    this.items[at] = n;
    this.drawList();
  }

  private setCounts(c: UnreadSummary | null): void {
    this.counts = c
      ? {
          unread_count: c.unread_count,
          unread_by_category: c.unread_by_category ?? {},
          unread_by_priority: c.unread_by_priority ?? {},
        }
      : null;
    const n = this.counts?.unread_count ?? 0;
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.bell.setAttribute('aria-label', this.strings.bell(n));
    this.markAll.disabled = n === 0;
    this.bell.dataset.unread = String(n);
    for (const tab of this.tabs.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
      const key = tab.dataset.tab!;
      const count = key === 'unread' ? n : (this.counts?.unread_by_category[key] ?? 0);
      const badge = tab.querySelector('.count');
      if (badge) badge.textContent = key !== 'all' && count > 0 ? String(count) : '';
    }
  }

  /** Asks for the counts (SSE does not carry them with each arrival); a burst asks once. */
  private refreshCounts(): void {
    if (this.countTimer) return;
    this.countTimer = setTimeout(() => {
      this.countTimer = null;
      const generation = this.generation;
      this.api
        ?.unreadCount()
        .then((c) => generation === this.generation && this.setCounts(c))
        .catch(() => {});
    }, 150);
  }

  private setStatus(status: LiveStatus, transport: string): void {
    this.dataset.transport = transport;
    this.banner.hidden = status !== 'offline';
    this.banner.textContent = this.strings.offline;
    this.dataset.status = status;
  }

  /** Marks read every unread member of the entry (one notification, or a group). */
  private async markRead(entry: FeedEntry): Promise<void> {
    const api = this.api;
    const ids = entry.members.filter((n) => !n.read).map((n) => n.id);
    if (!api || ids.length === 0) return;
    this.markedRead(ids);
    try {
      const answers = await Promise.all(ids.map((id) => api.markRead(id)));
      this.setCounts(answers[answers.length - 1]);
    } catch {
      this.refreshCounts();
    }
  }

  /** Dismisses every member of the entry; focus goes to the entry now in its place. */
  private async dismiss(entry: FeedEntry): Promise<void> {
    const api = this.api;
    if (!api) return;
    const index = [...this.list.children].findIndex(
      (el) => (el as HTMLElement).dataset.id === entry.latest.id,
    );
    const ids = entry.members.map((n) => n.id);
    this.removed(ids);
    this.focusItem(Math.min(index, this.list.children.length - 1));
    try {
      const answers = await Promise.all(ids.map((id) => api.dismiss(id)));
      this.setCounts(answers[answers.length - 1]);
    } catch {
      this.refreshCounts();
    }
  }

  private async markAllRead(): Promise<void> {
    if (!this.api) return;
    const category = this.tab !== 'all' && this.tab !== 'unread' ? this.tab : undefined;
    this.markedRead(this.idsOf(category ?? null));
    try {
      this.setCounts(await this.api.markAllRead(category));
    } catch {
      this.refreshCounts();
    }
  }

  private async act(n: Notification, actionId: string, url: string | null): Promise<void> {
    if (!this.api) return;
    this.dispatchEvent(
      new CustomEvent('notifyd:action', {
        detail: { notification: n, action_id: actionId },
        bubbles: true,
        composed: true,
      }),
    );
    try {
      const result = await this.api.act(n.id, actionId);
      this.replace(result.notification);
    } catch {}
    const entry = groupFeed(this.items).find((e) => e.members.some((m) => m.id === n.id));
    if (entry) void this.markRead(entry);
    if (url) location.assign(url);
  }

  private open(entry: FeedEntry, url: string | null): void {
    void this.markRead(entry);
    if (url) location.assign(url);
  }

  private drawStrings(): void {
    const t = this.strings;
    this.heading.textContent = this.prefs.el.hidden ? t.title : t.preferences;
    this.prefsButton.setAttribute('aria-label', t.preferences);
    this.prefsButton.title = t.preferences;
    this.markAll.textContent = t.markAllRead;
    this.closer.setAttribute('aria-label', t.close);
    this.closer.title = t.close;
    this.more.textContent = t.loadMore;
    this.bell.setAttribute('aria-label', t.bell(this.counts?.unread_count ?? 0));
    this.banner.textContent = t.offline;
    this.drawTabs();
  }

  /** The category ids of the `categories` attribute (the extra tabs). */
  private categoryTabs(): string[] {
    return (this.getAttribute('categories') ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
  }

  /** Reads the names of the categories the tabs show; a tab says its id until then. */
  private loadCategoryNames(account: AccountApi): void {
    if (this.categoryTabs().length === 0) return;
    account
      .preferences()
      .then((prefs) => {
        if (account !== this.account) return;
        this.categoryNames = new Map(
          Object.entries(prefs.categories).flatMap(([id, c]) =>
            c.name ? [[id, c.name] as [string, string]] : [],
          ),
        );
        this.drawTabs();
      })
      .catch(() => {});
  }

  private drawTabs(): void {
    const t = this.strings;
    const tabs: Array<[string, string]> = [
      ['all', t.all],
      ['unread', t.unread],
      ...this.categoryTabs().map((c): [string, string] => [c, this.categoryNames.get(c) ?? c]),
    ];
    if (!tabs.some(([key]) => key === this.tab)) this.tab = 'all';
    this.tabs.replaceChildren(
      ...tabs.map(([key, label]) => {
        const selected = key === this.tab;
        const tab = h(
          'button',
          {
            type: 'button',
            class: 'tab',
            part: 'tab',
            role: 'tab',
            'data-tab': key,
            'aria-selected': String(selected),
            'aria-controls': `${this.uid}-list`,
            tabindex: selected ? '0' : '-1',
          },
          label,
          h('span', { class: 'count' }),
        );
        tab.addEventListener('click', () => this.selectTab(key));
        tab.addEventListener('keydown', (e) =>
          this.onTabKey(
            e,
            tabs.map(([k]) => k),
            key,
          ),
        );
        return tab;
      }),
    );
    this.setCounts(this.counts);
  }

  private selectTab(key: string, focus = false): void {
    if (key !== this.tab) {
      this.tab = key;
      this.generation++;
      this.drawTabs();
      void this.loadFirst();
    }
    if (focus)
      this.tabs.querySelector<HTMLButtonElement>(`[data-tab="${CSS.escape(key)}"]`)?.focus();
  }

  private onTabKey(e: KeyboardEvent, keys: string[], key: string): void {
    const i = keys.indexOf(key);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % keys.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + keys.length) % keys.length
          : -1;
    if (next === -1) return;
    e.preventDefault();
    this.selectTab(keys[next], true);
  }

  /** Draws the list, reusing the element of every item that did not change (focus stays). */
  private drawList(all = false): void {
    const t = this.strings;
    const locale = this.locale;
    const handlers = {
      open: (e: FeedEntry, url: string | null) => this.open(e, url),
      markRead: (e: FeedEntry) => void this.markRead(e),
      dismiss: (e: FeedEntry) => void this.dismiss(e),
      act: (n: Notification, id: string, url: string | null) => void this.act(n, id, url),
    };
    const wanted: HTMLLIElement[] = [];
    const ids = new Set<string>();
    for (const entry of groupFeed(this.items)) {
      ids.add(entry.key);
      const version = itemVersion(entry, locale);
      let drawn = this.drawn.get(entry.key);
      if (!drawn || drawn.version !== version || all) {
        const el = renderItem(entry, t, locale, handlers);
        const hadFocus = drawn?.el.contains(this.root.activeElement);
        if (drawn) drawn.el.replaceWith(el);
        drawn = { el, version };
        this.drawn.set(entry.key, drawn);
        if (hadFocus) el.focus();
      }
      wanted.push(drawn.el);
    }
    for (const [id, d] of this.drawn) {
      if (!ids.has(id)) {
        d.el.remove();
        this.drawn.delete(id);
      }
    }
    wanted.forEach((el, i) => {
      if (this.list.children[i] !== el) this.list.insertBefore(el, this.list.children[i] ?? null);
    });
    this.list.setAttribute('aria-busy', String(this.loading));
    const signedOut = !this.api;
    const text = signedOut
      ? t.signedOut
      : this.failed
        ? t.error
        : this.loading && this.items.length === 0
          ? t.loading
          : this.items.length === 0
            ? this.tab === 'unread'
              ? t.emptyUnread
              : t.empty
            : '';
    this.state.hidden = text === '';
    this.state.replaceChildren(text);
    this.state.dataset.state = signedOut
      ? 'signed-out'
      : this.failed
        ? 'error'
        : this.loading
          ? 'loading'
          : 'empty';
    if (this.failed) {
      const retry = h('button', { type: 'button', class: 'link' }, t.retry);
      retry.addEventListener('click', () => void this.load());
      this.state.append(' ', retry);
    }
    this.more.hidden = !this.hasMore || this.failed;
    this.observeMore();
  }

  /** Infinite scroll: the "load more" button loads the next page when it scrolls into view. */
  private observeMore(): void {
    if (this.panel.hidden || this.more.hidden || typeof IntersectionObserver === 'undefined')
      return;
    this.observer ??= new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void this.loadMore();
      },
      { root: this.list.parentElement },
    );
    this.observer.disconnect();
    this.observer.observe(this.more);
  }

  private focusItem(index: number): void {
    const items = [...this.list.children] as HTMLElement[];
    if (items.length === 0) {
      this.closer.focus();
      return;
    }
    items[Math.max(0, Math.min(index, items.length - 1))].focus();
  }

  private onPanelKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.preventDefault();
      this.toggle(false);
      this.bell.focus();
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const items = [...this.list.children] as HTMLElement[];
      const current = items.findIndex((el) => el.contains(this.root.activeElement));
      if (current === -1 && !this.list.contains(this.root.activeElement)) return;
      e.preventDefault();
      this.focusItem(current + (e.key === 'ArrowDown' ? 1 : -1));
      return;
    }
    if (e.key === 'Tab') {
      // A focus trap: Tab cycles inside the open dropdown.
      const focusables = [
        ...this.panel.querySelectorAll<HTMLElement>(
          'button:not([disabled]):not([hidden]), input:not([disabled]), select:not([disabled]), a[href], [tabindex="0"]',
        ),
      ].filter((el) => el.offsetParent !== null);
      if (focusables.length === 0) return;
      const first = focusables[0];
      const last = focusables[focusables.length - 1];
      const active = this.root.activeElement;
      if (e.shiftKey && (active === first || !this.panel.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  private onOutside(e: MouseEvent): void {
    if (!this.panel.hidden && !e.composedPath().includes(this)) this.toggle(false);
  }
}
