/**
 * Send requests that outlive their HTTP request: every send's record for GET /requests
 * (the store's `requests`), topic sends (topic-sends.ts) and cancellations by key
 * (cancellations.ts), behind one service.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/types.js';
import { Cancellations } from './cancellations.js';
import type { EventBacklog, PreferenceService, RecipientDirectory } from './ports.js';
import type { NotificationRecord } from './records.js';
import { MAX_ERRORS, REQUEST, type RequestData, recordOf } from './request-objects.js';
import {
  decodeCursor,
  encodeCursor,
  type RequestFilters,
  type RequestView,
  timeOf,
  toRequestView,
} from './request-view.js';
import type { SendNotificationBody } from './schemas.js';
import type { Sender } from './sender.js';
import { TopicSends } from './topic-sends.js';

export interface SendRequestsDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  sender: Sender;
  directory?: RecipientDirectory;
  /** Reads a page's preferences at once (each member's are read alone without it). */
  preferences?: Pick<PreferenceService, 'documents'>;
  /** Topic members routed and written per page. */
  pageSize: number;
  /** Where the events of a page wait to be written (analytics): drained between pages. */
  backlog?: () => EventBacklog | null;
}

export class SendRequests {
  private readonly cancellations: Cancellations;
  private readonly topics: TopicSends;

  constructor(private readonly deps: SendRequestsDeps) {
    this.cancellations = new Cancellations(deps);
    this.topics = new TopicSends({ ...deps, cancellations: this.cancellations });
  }

  /** Records a finished batch, for GET /requests. */
  async recordBatch(
    tenantId: string,
    requestId: string,
    counts: Pick<RequestData, 'accepted' | 'skipped' | 'rejected' | 'errors'>,
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.requests.put({
      id: requestId,
      tenant_id: tenantId,
      type: 'batch',
      status: 'completed',
      recipient_id: null,
      topic: null,
      ...counts,
      errors: counts.errors.slice(0, MAX_ERRORS),
      created_at: now,
      completed_at: now,
    });
  }

  async get(tenantId: string, requestId: string): Promise<RequestView> {
    const found = await this.deps.store.requests.get(tenantId, requestId);
    if (found) return toRequestView(found);
    // Batches and topic sends recorded before requests had a store of their own.
    const legacy = await this.deps.store.objects.get(REQUEST, requestId);
    if (!legacy || legacy.tenant_id !== tenantId) {
      throw new NotifydError('REQUEST_NOT_FOUND', undefined, { request_id: requestId });
    }
    return toRequestView(recordOf(legacy));
  }

  /**
   * One page of the tenant's requests that match, newest first. `cursor` continues; a
   * narrow filter on some backends may answer fewer than `limit` with a cursor.
   */
  async list(
    tenantId: string,
    filters: RequestFilters,
    limit: number,
  ): Promise<{ data: RequestView[]; cursor: string | null; has_more: boolean }> {
    const { cursor, created_after, created_before, ...equal } = filters;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await this.deps.store.requests.list({
      tenant_id: tenantId,
      ...equal,
      ...(created_after !== undefined
        ? { created_after: timeOf(created_after, 'created_after') }
        : {}),
      ...(created_before !== undefined
        ? { created_before: timeOf(created_before, 'created_before') }
        : {}),
      ...(after ? { after } : {}),
      limit,
    });
    return {
      data: page.items.map(toRequestView),
      cursor: page.next ? encodeCursor(page.next) : null,
      has_more: page.next !== null,
    };
  }

  /** Accepts a topic send (TopicSends.topic). */
  topic(tenantId: string, key: string, body: SendNotificationBody, requestId: string) {
    return this.topics.topic(tenantId, key, body, requestId);
  }

  /** Resumes every topic send a stop or a crash left unfinished. */
  resume(): Promise<number> {
    return this.topics.resume();
  }

  /** Stops fanning out after the current pages; the jobs stay and resume at the next start. */
  stop(): Promise<void> {
    return this.topics.stop();
  }

  /** Resolves when no fan-out is running (tests). */
  idle(): Promise<void> {
    return this.topics.idle();
  }

  /** Adds what else a cancellation key cancels (scheduled sends), after its marker is kept. */
  alsoCancels(hook: (tenantId: string, key: string) => Promise<unknown>): void {
    this.cancellations.alsoCancels(hook);
  }

  /** Cancels what is not sent yet of what holds the key (Cancellations.cancel). */
  cancel(tenantId: string, key: string) {
    return this.cancellations.cancel(tenantId, key);
  }

  /** Whether a notification was cancelled by its key after it was sent. */
  cancelled(n: NotificationRecord): Promise<boolean> {
    return this.cancellations.cancelled(n);
  }

  /** Whether the tenant's cancellation key was used at or after `at`. */
  cancelledSince(tenantId: string, key: string, at: number): Promise<boolean> {
    return this.cancellations.cancelledSince(tenantId, key, at);
  }
}
