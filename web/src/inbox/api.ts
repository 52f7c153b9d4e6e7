import { FeedApi, type UnreadSummary } from '../client/index.js';

/** The feed over REST, plus marking one notification read (which the client does over its socket). */
export class InboxApi extends FeedApi {
  markRead(id: string): Promise<UnreadSummary> {
    return this.call('POST', `/api/v1/me/notifications/${encodeURIComponent(id)}/read`, {});
  }
}
