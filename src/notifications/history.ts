import type { UserPrincipal } from '../auth/principal.js';
import { actorOf } from '../client/actor.js';
import type { Actor } from '../client/types.js';
import type { Clock } from '../core/clock.js';
import type { FeedQuery, NotificationRecord, Store } from '../store/types.js';
import { type FeedFilters, toStoreQuery } from './feed-query.js';
import type { NotificationView } from './schemas.js';
import { toView } from './view.js';

/** Notifications sharing a `group_key` (a notification without one is a group alone). */
export interface NotificationGroup {
  group_key: string | null;
  count: number;
  unread_count: number;
  latest: NotificationView;
  /** Distinct actors, most recent first, at most MAX_ACTORS. */
  actors: Actor[];
  actor_count: number;
}

/** Actors listed per group. */
export const MAX_ACTORS = 5;
/** Notifications read per store call while grouping or exporting. */
const PAGE = 500;

/** Groups of the feed and exports of its history: both read the feed page by page, bounded. */
export class FeedHistory {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /**
   * The newest `window` notifications of the feed (with the filters), grouped by group_key,
   * newest group first, at most `limit` groups. Counts count within the window; `has_more`
   * says there were more groups, or more notifications than the window.
   */
  async grouped(
    user: UserPrincipal,
    filters: FeedFilters,
    limit: number,
    window: number,
  ): Promise<{ data: NotificationGroup[]; has_more: boolean; scanned: number }> {
    const query = toStoreQuery(user, filters, this.deps.clock.now());
    const groups = new Map<string, Building>();
    const { scanned, complete } = await this.each(query, window, (n) => {
      const key = n.group_key ?? `\u0000${n.id}`;
      let g = groups.get(key);
      if (!g) {
        g = { group_key: n.group_key, count: 0, unread_count: 0, latest: n, actors: new Map() };
        groups.set(key, g);
      }
      g.count++;
      if (n.read_at === null) g.unread_count++;
      const actor = actorOf(n.data?.actor);
      if (actor && !g.actors.has(actor.id)) g.actors.set(actor.id, actor);
    });
    const all = [...groups.values()];
    return {
      data: all.slice(0, limit).map((g) => ({
        group_key: g.group_key,
        count: g.count,
        unread_count: g.unread_count,
        latest: toView(g.latest),
        actors: [...g.actors.values()].slice(0, MAX_ACTORS),
        actor_count: g.actors.size,
      })),
      has_more: all.length > limit || !complete,
      scanned,
    };
  }

  /**
   * Up to `max` notifications of the user's history, newest first: read, dismissed and
   * expired ones too (unless a filter says otherwise); deleted ones never.
   */
  async export(
    user: UserPrincipal,
    filters: FeedFilters,
    max: number,
  ): Promise<{ items: NotificationView[]; truncated: boolean }> {
    const { now: _now, dismissed, ...query } = toStoreQuery(user, filters, this.deps.clock.now());
    const items: NotificationView[] = [];
    const withDismissed = filters.dismissed === undefined ? query : { ...query, dismissed };
    const { complete } = await this.each(withDismissed, max, (n) => items.push(toView(n)));
    return { items, truncated: !complete };
  }

  /** Calls `visit` for up to `max` notifications of the query, newest first. */
  private async each(
    query: Omit<FeedQuery, 'limit'>,
    max: number,
    visit: (n: NotificationRecord) => void,
  ): Promise<{ scanned: number; complete: boolean }> {
    let before = query.before;
    let scanned = 0;
    for (;;) {
      const limit = Math.min(PAGE, max - scanned);
      const page = await this.deps.store.notifications.list({
        ...query,
        limit,
        ...(before !== undefined ? { before } : {}),
      });
      for (const n of page.items) visit(n);
      scanned += page.items.length;
      if (!page.has_more) return { scanned, complete: true };
      if (scanned >= max) return { scanned, complete: false };
      before = page.next ?? page.items.at(-1)?.id;
    }
  }
}

interface Building {
  group_key: string | null;
  count: number;
  unread_count: number;
  latest: NotificationRecord;
  actors: Map<string, Actor>;
}
