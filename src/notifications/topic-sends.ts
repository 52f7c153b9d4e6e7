/**
 * Topic sends: a durable job fanned out to the topic's members in pages, resumed at start.
 * Its working state is its `send_request` object (request-objects.ts); what GET /requests
 * shows of it is written to the requests store after each change.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { StoreConflictError } from '../store/errors.js';
import type { Store, StoredObject } from '../store/types.js';
import type { Cancellations } from './cancellations.js';
import type {
  EventBacklog,
  KnownRecipients,
  PreferenceService,
  RecipientDirectory,
} from './ports.js';
import { JOB, MAX_ERRORS, REQUEST, type RequestData, recordOf } from './request-objects.js';
import type { SendNotificationBody } from './schemas.js';
import { isInline, type Prepared, type RenderCache, type Sender } from './sender.js';

export interface TopicSendsDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  sender: Sender;
  cancellations: Pick<Cancellations, 'cancelledSince'>;
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

export class TopicSends {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly deps: TopicSendsDeps) {}

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
    const { store, directory, cancellations } = this.deps;
    const cache: RenderCache = new Map();
    while (!this.stopping) {
      const request = await store.objects.get(REQUEST, requestId);
      if (!request || (request.data as unknown as RequestData).status !== 'running') break;
      const data = request.data as unknown as RequestData;
      const tenantId = request.tenant_id as string;
      const key = data.body?.cancellation_key;
      if (key && (await cancellations.cancelledSince(tenantId, key, request.created_at))) {
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
    const { recipient: _r, idempotency_key: _k, ...rest } = body;
    // Prepared together: the page's per-user caps are counted with one store call.
    const settled = await sender.prepareMany(
      tenantId,
      members.map((id) => ({
        // The member's key makes a resumed page write nobody twice.
        input: { ...rest, recipient_id: id, idempotency_key: `${requestId}:${id}` },
        where: `recipient ${id}`,
      })),
      requestId,
      cache,
      known ? { known } : {},
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

  /** What GET /requests shows of a topic send, kept in the requests store after each change. */
  private mirror(tenantId: string, id: string, data: RequestData, createdAt: number) {
    return this.deps.store.requests.put(
      recordOf({ id, tenant_id: tenantId, created_at: createdAt, data }),
    );
  }
}
