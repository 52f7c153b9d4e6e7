import { NotifydApiError, NotifydClient } from './rest.js';
import type { FeedPage, FeedQuery, Notification, ReadAllResult, UnreadSummary } from './types.js';

/** Gives the current end-user token; `fresh` asks the provider again (the last was refused). */
export type TokenSource = (fresh: boolean) => Promise<string>;

/** Pages of 100 when catching up after a resume; at most this many pages. */
const CATCH_UP_PAGE = 100;
const CATCH_UP_MAX_PAGES = 10;

/** What a catch-up found: the missed notifications, oldest first. */
export interface CatchUp {
  missed: Notification[];
  /** False when the catch-up stopped at its page limit before reaching the last seen id. */
  complete: boolean;
}

/** The end user's feed over REST, with their JWT. */
export class FeedApi {
  constructor(
    private readonly url: string,
    private readonly token: TokenSource,
    private readonly fetchFn: typeof fetch | undefined,
  ) {}

  /** One page of the feed, newest first. */
  feed(query: FeedQuery = {}): Promise<FeedPage> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.call('GET', `/api/v1/me/notifications${qs ? `?${qs}` : ''}`);
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

  /** A request with the current token; once more with a fresh one if it was refused. */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await this.client(await this.token(false)).request<T>(method, path, body);
    } catch (err) {
      if (!(err instanceof NotifydApiError) || err.status !== 401) throw err;
      return this.client(await this.token(true)).request<T>(method, path, body);
    }
  }

  private client(token: string): NotifydClient {
    return new NotifydClient({
      url: this.url,
      key: token,
      ...(this.fetchFn ? { fetch: this.fetchFn } : {}),
    });
  }
}
