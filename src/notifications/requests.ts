/**
 * Send requests that outlive their HTTP request: every send's record for GET /requests
 * (the store's `requests`), topic sends (a durable job fanned out in pages, resumed at
 * start) and cancellations by key. A topic send's working state and cancellation markers
 * are tenant-scoped objects in the objects store (`send_request`, `send_job`,
 * `cancellation`); what GET /requests shows of a topic send is written after each change.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { StoreConflictError } from '../store/errors.js';
import type { Store, StoredObject } from '../store/types.js';
import type {
  EventBacklog,
  KnownRecipients,
  PreferenceService,
  RecipientDirectory,
} from './ports.js';
import type { NotificationRecord } from './records.js';
import type { RequestStatus, RequestType, SendRequestRecord } from './request-records.js';
import {
  decodeCursor,
  encodeCursor,
  type RequestFilters,
  type RequestView,
  timeOf,
  toRequestView,
} from './request-view.js';
import type { SendNotificationBody } from './schemas.js';
import { isInline, type Prepared, type RenderCache, type Sender } from './sender.js';

const REQUEST = 'send_request';
const JOB = 'send_job';
const CANCELLATION = 'cancellation';

interface RequestData {
  type: RequestType;
  status: RequestStatus;
  topic: string | null;
  accepted: number;
  skipped: number;
  rejected: number;
  errors: RequestView['errors'];
  completed_at: number | null;
  /** Topic sends: the send, and the last member done. */
  body?: SendNotificationBody;
  after?: string | null;
}

/** At most this many errors are kept on a request. */
const MAX_ERRORS = 20;

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

/**
 * A fan-out page waits while the event backlog holds more than this many pages' events,
 * until it is written: a topic's events never pile up in memory faster than they are
 * written (a page emits one `notification.accepted` per member), and they are written
 * young, before the garbage collector promotes them (1 page: +13 MiB at 20k members, 4
 * pages: +30 MiB; BENCHMARKS.md).
 */
const BACKLOG_PAGES = 1;

const iso = (ms: number) => new Date(ms).toISOString();

/** The request record of a batch or topic send kept as an object (its working state). */
function recordOf(o: Pick<StoredObject, 'id' | 'tenant_id' | 'created_at'> & { data: unknown }) {
  const d = o.data as RequestData;
  return {
    id: o.id,
    tenant_id: o.tenant_id as string,
    type: d.type,
    status: d.status,
    recipient_id: null,
    topic: d.topic,
    accepted: d.accepted,
    skipped: d.skipped,
    rejected: d.rejected,
    errors: d.errors,
    created_at: o.created_at,
    completed_at: d.completed_at,
  } satisfies SendRequestRecord;
}

export class SendRequests {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  private readonly cancelHooks: Array<(tenantId: string, key: string) => Promise<unknown>> = [];

  constructor(private readonly deps: SendRequestsDeps) {}

  /** Adds what else a cancellation key cancels (scheduled sends), after its marker is kept. */
  alsoCancels(hook: (tenantId: string, key: string) => Promise<unknown>): void {
    this.cancelHooks.push(hook);
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

  /**
   * Accepts a topic send: durably records the request and its job (the 202 comes after),
   * then fans out in the background. A repeated idempotency key is DUPLICATE_NOTIFICATION.
   */
  async topic(
    tenantId: string,
    key: string,
    body: SendNotificationBody,
    requestId: string,
  ): Promise<{ request_id: string; status: 'accepted'; topic: string }> {
    const { store, clock, directory } = this.deps;
    if (!body.content && body.template === undefined && body.template_id === undefined) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        'body.content: required unless a template is named',
        {
          issues: [{ field: 'body.content', message: 'required unless a template is named' }],
        },
      );
    }
    const first = directory ? await directory.topicMembers(tenantId, key, null, 1) : null;
    if (!first) throw new NotifydError('TOPIC_NOT_FOUND', undefined, { key });
    const now = clock.now();
    const data: RequestData = {
      type: 'topic',
      status: 'running',
      topic: key,
      accepted: 0,
      skipped: 0,
      rejected: 0,
      errors: [],
      completed_at: null,
      body,
      after: null,
    };
    // The job first: a crash between the two writes leaves a job without its request, which
    // the next start drops (fanOut finds no request), never a request no job will run.
    await store.objects.create({
      kind: JOB,
      id: requestId,
      tenant_id: tenantId,
      key: null,
      data: {},
      created_at: now,
    });
    try {
      await store.objects.create({
        kind: REQUEST,
        id: requestId,
        tenant_id: tenantId,
        key: body.idempotency_key ?? null,
        data: data as unknown as Record<string, unknown>,
        created_at: now,
      });
    } catch (err) {
      await store.objects.remove(JOB, requestId);
      if (!(err instanceof StoreConflictError) || body.idempotency_key === undefined) throw err;
      const holder = await store.objects.getByKey(REQUEST, tenantId, body.idempotency_key);
      throw new NotifydError('DUPLICATE_NOTIFICATION', undefined, {
        request_id: holder?.id ?? null,
      });
    }
    await this.mirror(tenantId, requestId, data, now);
    this.launch(requestId);
    return { request_id: requestId, status: 'accepted', topic: key };
  }

  /** Resumes every topic send a stop or a crash left unfinished. */
  async resume(): Promise<number> {
    this.stopping = false;
    const { items } = await this.deps.store.objects.list({ kind: JOB });
    for (const job of items) this.launch(job.id);
    return items.length;
  }

  /** Stops fanning out after the current pages; the jobs stay and resume at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves when no fan-out is running (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private launch(requestId: string): void {
    if (this.running.has(requestId)) return;
    const run = this.fanOut(requestId)
      .catch((err) => this.deps.logger.error({ err, request_id: requestId }, 'topic send failed'))
      .finally(() => this.running.delete(requestId));
    this.running.set(requestId, run);
  }

  /** Fans a topic send out page by page; each page is written, then the position saved. */
  private async fanOut(requestId: string): Promise<void> {
    const { store, directory } = this.deps;
    const cache: RenderCache = new Map();
    while (!this.stopping) {
      const request = await store.objects.get(REQUEST, requestId);
      if (!request || (request.data as unknown as RequestData).status !== 'running') break;
      const data = request.data as unknown as RequestData;
      const tenantId = request.tenant_id as string;
      if (await this.cancelledRequest(tenantId, data, request.created_at)) {
        await this.save(request, {
          ...data,
          status: 'cancelled',
          completed_at: this.deps.clock.now(),
        });
        break;
      }
      const page = directory
        ? await directory.topicMembers(
            tenantId,
            data.topic as string,
            data.after ?? null,
            this.deps.pageSize,
          )
        : null;
      if (!page) {
        const errors = [
          ...data.errors,
          { code: 'TOPIC_NOT_FOUND', message: 'the topic was deleted' },
        ];
        await this.save(request, {
          ...data,
          status: 'failed',
          errors,
          completed_at: this.deps.clock.now(),
        });
        break;
      }
      await this.drainBacklog();
      const next = await this.page(tenantId, requestId, data, page.ids, cache);
      const done = page.next === null;
      await this.save(request, {
        ...next,
        after: page.next,
        ...(done ? { status: 'completed', completed_at: this.deps.clock.now() } : {}),
      });
      if (done) break;
    }
    const request = await store.objects.get(REQUEST, requestId);
    if (!request || (request.data as unknown as RequestData).status !== 'running') {
      await store.objects.remove(JOB, requestId);
    }
  }

  /** Lets the event backlog be written when the pages before left more than it should hold. */
  private async drainBacklog(): Promise<void> {
    const backlog = this.deps.backlog?.();
    if (backlog && backlog.pending > this.deps.pageSize * BACKLOG_PAGES) await backlog.flush();
  }

  /** Routes and writes one page of members; counts what happened. */
  private async page(
    tenantId: string,
    requestId: string,
    data: RequestData,
    members: string[],
    cache: RenderCache,
  ): Promise<RequestData> {
    const { sender } = this.deps;
    const body = data.body as SendNotificationBody;
    const out = { ...data, errors: [...data.errors] };
    const fail = (recipient_id: string, err: unknown) => {
      const e = err instanceof NotifydError ? err : null;
      if (e?.code === 'NO_DELIVERY_CHANNEL') {
        out.skipped++;
        return;
      }
      if (e?.code === 'STORE_UNAVAILABLE') throw err;
      out.rejected++;
      if (out.errors.length < MAX_ERRORS) {
        out.errors.push({
          recipient_id,
          code: e?.code ?? 'INTERNAL_ERROR',
          message: err instanceof Error ? err.message : String(err),
        });
      }
    };
    const known = await this.readAhead(tenantId, body, members);
    const settled = await Promise.allSettled(
      members.map((id) => {
        const { recipient: _r, idempotency_key: _k, ...rest } = body;
        // The member's key makes a resumed page write nobody twice.
        const input = { ...rest, recipient_id: id, idempotency_key: `${requestId}:${id}` };
        return sender.prepare(tenantId, input, requestId, `recipient ${id}`, cache, {
          ...(known ? { known } : {}),
        });
      }),
    );
    const prepared: Prepared[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') prepared.push(s.value);
      else fail(members[i], s.reason);
    });
    const results = await sender.commit(prepared);
    // A duplicate is a member written before a restart: accepted then.
    out.accepted += results.length;
    return out;
  }

  /**
   * A page's subscribers, devices and preferences with one read each, instead of one per
   * member; none for a plain inline in-app send, which reads nothing.
   */
  private async readAhead(
    tenantId: string,
    body: SendNotificationBody,
    members: string[],
  ): Promise<KnownRecipients | undefined> {
    const { directory, preferences } = this.deps;
    if (!directory || isInline(body)) return undefined;
    const [recipients, documents] = await Promise.all([
      directory.readMany(tenantId, members),
      preferences?.documents(tenantId, members),
    ]);
    return documents ? { ...recipients, preferences: documents } : recipients;
  }

  private async cancelledRequest(
    tenantId: string,
    data: RequestData,
    createdAt: number,
  ): Promise<boolean> {
    const key = data.body?.cancellation_key;
    if (!key) return false;
    const marker = await this.deps.store.objects.getByKey(CANCELLATION, tenantId, key);
    return marker !== null && (marker.data.at as number) >= createdAt;
  }

  private async save(request: StoredObject, data: RequestData): Promise<void> {
    const outcome = await this.deps.store.objects.update(
      REQUEST,
      request.id,
      { data: data as unknown as Record<string, unknown>, key: request.key },
      request.version,
      this.deps.clock.now(),
    );
    if (outcome.status !== 'ok') throw new Error(`topic send ${request.id}: ${outcome.status}`);
    await this.mirror(request.tenant_id as string, request.id, data, request.created_at);
  }

  /**
   * A topic send's working state is its object (the job resumes from it); what GET
   * /requests shows of it is kept in the requests store after each change.
   */
  private mirror(tenantId: string, id: string, data: RequestData, createdAt: number) {
    return this.deps.store.requests.put(
      recordOf({ id, tenant_id: tenantId, created_at: createdAt, data }),
    );
  }

  /**
   * Cancels what is not sent yet of the tenant's notifications (and topic sends) holding the
   * key, sent up to now: their pending and deferred deliveries are settled `cancelled`
   * instead of going out, and a topic send stops fanning out.
   */
  async cancel(
    tenantId: string,
    key: string,
  ): Promise<{ cancellation_key: string; cancelled_at: string }> {
    const { store, clock, ids } = this.deps;
    const now = clock.now();
    for (let attempt = 0; ; attempt++) {
      const found = await store.objects.getByKey(CANCELLATION, tenantId, key);
      try {
        if (!found) {
          await store.objects.create({
            kind: CANCELLATION,
            id: ids('ccl'),
            tenant_id: tenantId,
            key,
            data: { at: now },
            created_at: now,
          });
          break;
        }
        const outcome = await store.objects.update(
          CANCELLATION,
          found.id,
          { data: { at: now }, key },
          found.version,
          now,
        );
        if (outcome.status === 'ok') break;
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
      }
      if (attempt >= 3) throw new NotifydError('STORE_UNAVAILABLE');
    }
    for (const hook of this.cancelHooks) await hook(tenantId, key);
    return { cancellation_key: key, cancelled_at: iso(now) };
  }

  /** Whether a notification was cancelled by its key after it was sent. */
  async cancelled(n: NotificationRecord): Promise<boolean> {
    if (!n.cancellation_key) return false;
    return this.cancelledSince(n.tenant_id, n.cancellation_key, n.created_at);
  }

  /** Whether the tenant's cancellation key was used at or after `at`. */
  async cancelledSince(tenantId: string, key: string, at: number): Promise<boolean> {
    const marker = await this.deps.store.objects.getByKey(CANCELLATION, tenantId, key);
    return marker !== null && (marker.data.at as number) >= at;
  }
}
