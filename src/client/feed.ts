import type {
  ActionResult,
  BulkDeleteResult,
  FeedFilters,
  FeedPage,
  FeedQuery,
  GroupedPage,
  GroupedQuery,
  Notification,
  ReadAllResult,
  UnreadSummary,
} from './types.js';
import { queryString, UserRest } from './user-rest.js';

export type { TokenSource } from './user-rest.js';

/** Pages of 100 when catching up after a resume; at most this many pages. */
const CATCH_UP_PAGE = 100;
const CATCH_UP_MAX_PAGES = 10;

/** What a catch-up found: the missed notifications, oldest first. */
export interface CatchUp {
  missed: Notification[];
  /** False when the catch-up stopped at its page limit before reaching the last seen id. */
  complete: boolean;
}

const ME = '/api/v1/me/notifications';
const idPath = (id: string) => `${ME}/${encodeURIComponent(id)}`;

/** The end user's feed over REST, with their JWT. */
export class FeedApi extends UserRest {
  /** One page of the feed, newest first (dismissed and expired ones left out by default). */
  feed(query: FeedQuery = {}): Promise<FeedPage> {
    return this.call('GET', `${ME}${queryString(query)}`);
  }

  /** Dismisses one notification: it leaves the feed (and is read); answers the unread counts. */
  dismiss(id: string): Promise<UnreadSummary> {
    return this.call('POST', `${idPath(id)}/dismiss`, {});
  }

  /** Dismisses every notification, or every one of `category`. */
  dismissAll(category?: string): Promise<ReadAllResult> {
    return this.call('POST', `${ME}/dismiss-all`, category ? { category } : {});
  }

  /** The newest notifications grouped by `group_key` (count, latest, actors). */
  grouped(query: GroupedQuery = {}): Promise<GroupedPage> {
    return this.call('GET', `${ME}/grouped${queryString(query)}`);
  }

  /** Takes an action (a button) of a notification; recorded once, sent to the sender. */
  act(id: string, actionId: string): Promise<ActionResult> {
    return this.call('POST', `${idPath(id)}/actions/${encodeURIComponent(actionId)}`, {});
  }

  /** Deletes several notifications; one result per id. */
  deleteMany(ids: readonly string[]): Promise<BulkDeleteResult> {
    return this.call('POST', `${ME}/bulk/delete`, { notification_ids: ids });
  }

  /** The history as JSON (newest first, bounded by the server; `truncated` when cut). */
  exportJson(filters: FeedFilters = {}): Promise<{ data: Notification[]; truncated: boolean }> {
    return this.call('GET', `${ME}/export${queryString({ format: 'json', ...filters })}`);
  }

  /** The history as CSV text. */
  exportCsv(filters: FeedFilters = {}): Promise<string> {
    return this.text(`${ME}/export${queryString({ format: 'csv', ...filters })}`);
  }

  unreadCount(): Promise<UnreadSummary> {
    return this.call('GET', '/api/v1/me/unread-count');
  }

  markAllRead(category?: string): Promise<ReadAllResult> {
    return this.call('POST', '/api/v1/me/notifications/read-all', category ? { category } : {});
  }

  async remove(id: string): Promise<void> {
    await this.call('DELETE', `/api/v1/me/notifications/${encodeURIComponent(id)}`);
  }

  /**
   * The notifications newer than `lastId`, oldest first: pages the feed from the newest
   * down until it reaches `lastId` (ids sort by time).
   */
  async missedSince(lastId: string): Promise<CatchUp> {
    const missed: Notification[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < CATCH_UP_MAX_PAGES; page++) {
      const res = await this.feed({ limit: CATCH_UP_PAGE, ...(cursor ? { cursor } : {}) });
      for (const n of res.data) {
        if (n.id <= lastId) return { missed: missed.reverse(), complete: true };
        missed.push(n);
      }
      if (!res.has_more || !res.cursor) return { missed: missed.reverse(), complete: true };
      cursor = res.cursor;
    }
    return { missed: missed.reverse(), complete: false };
  }
}
