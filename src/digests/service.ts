/**
 * Digests: notifications routed to a digest are added to their recipient's bucket for the
 * window they fall in (one document per recipient and window, see bucket.ts), and a
 * `digest.flush` job keyed by recipient and window is scheduled at the window's end. The
 * flush closes the bucket (no more items; late ones go to the next window), renders the
 * digest and sends it through the normal send path with the idempotency key
 * `digest:{recipient}:{window end}`, then marks the bucket sent. So however many nodes or
 * flushes run at once, one digest goes out per recipient and window: the job key makes one
 * job, the lease one runner, and the idempotency key one notification should two run anyway.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/catalogue.js';
import type { Channel, RenderedContent } from '../notifications/channels.js';
import type {
  DigestCollector,
  DigestItem,
  RecipientDirectory,
  TemplateRenderer,
} from '../notifications/ports.js';
import type { SendNotificationBody } from '../notifications/schemas.js';
import type { SendOptions } from '../notifications/sender.js';
import type { JobRecord } from '../scheduler/jobs.js';
import type { SchedulerService } from '../scheduler/service.js';
import { StoreConflictError } from '../store/errors.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import { renderContent } from '../templates/content.js';
import type { TemplateEngine } from '../templates/engine.js';
import {
  addItem,
  BUCKET_KIND,
  type BucketData,
  bucketKey,
  emptyBucket,
  STATE_KIND,
} from './bucket.js';
import type { DigestOptions } from './options.js';
import { DEFAULT_DIGEST_TEMPLATE, digestPayload } from './template.js';
import { type DigestSettings, windowEnd } from './windows.js';

/** The job kind that sends a window's digest. */
export const FLUSH_KIND = 'digest.flush';

/** Tries of an optimistic write before giving up (only under heavy contention). */
const TRIES = 100;

/** What a digest needs of the notifications module: its send. */
export interface DigestSender {
  send(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    options?: SendOptions,
  ): Promise<object>;
}

export interface DigestDeps {
  objects: ObjectStore;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  scheduler: SchedulerService;
  sender: DigestSender;
  /** A subscriber's digest settings, defaults filled in. */
  settings: (tenantId: string, subscriberId: string) => Promise<DigestSettings>;
  directory: RecipientDirectory;
  templates: TemplateRenderer;
  engine: TemplateEngine;
  options: DigestOptions;
  emit: EventSink<'notification.digest.sent'>;
}

/** What a flush did. */
export type FlushResult =
  | { status: 'sent'; notification_id: string }
  /** Another flush (another node) sent it: the same notification. */
  | { status: 'already_sent'; notification_id: string | null }
  | { status: 'skipped'; reason: string }
  | { status: 'none' };

/** What `GET /subscribers/{id}/digest` shows. */
export interface DigestState {
  subscriber_id: string;
  settings: DigestSettings;
  last_sent_at: string | null;
  last_notification_id: string | null;
  pending: { window_end: string; count: number; by_category: Record<string, number> } | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class Digests implements DigestCollector {
  constructor(private readonly deps: DigestDeps) {}

  /** Adds each item to its recipient's open window (a failure is logged, not thrown). */
  async collect(items: readonly DigestItem[]): Promise<void> {
    for (const item of items) {
      try {
        await this.add(item);
      } catch (err) {
        this.deps.logger.error(
          { err, notification: item.notification_id, recipient: item.recipient_id },
          'could not add a notification to its digest',
        );
      }
    }
  }

  private async add(item: DigestItem): Promise<void> {
    const { objects, clock, ids, scheduler, options } = this.deps;
    const tenant = item.tenant_id;
    const recipient = item.recipient_id;
    const settings = await this.deps.settings(tenant, recipient);
    let end = await windowEnd(settings, Math.max(item.created_at, clock.now()));
    for (let i = 0; i < TRIES; i++) {
      const key = bucketKey(recipient, end);
      const found = await objects.getByKey(BUCKET_KIND, tenant, key);
      if (!found) {
        const data = addItem(emptyBucket(recipient, end), item, options.max_items);
        try {
          await objects.create({
            kind: BUCKET_KIND,
            id: ids('dgb'),
            tenant_id: tenant,
            key,
            data: data as unknown as Record<string, unknown>,
            created_at: clock.now(),
          });
        } catch (err) {
          if (err instanceof StoreConflictError) continue;
          throw err;
        }
        await scheduler.schedule(
          tenant,
          FLUSH_KIND,
          end,
          { recipient_id: recipient, window_end: end },
          { key: `digest:${recipient}:${end}` },
        );
        return;
      }
      const data = found.data as unknown as BucketData;
      if (data.status !== 'open') {
        // Being sent or sent: it goes to the next window.
        end = await windowEnd(settings, end);
        continue;
      }
      const next = addItem(data, item, options.max_items);
      if (next === data) return;
      const outcome = await objects.update(
        BUCKET_KIND,
        found.id,
        { data: next as unknown as Record<string, unknown>, key },
        found.version,
        clock.now(),
      );
      if (outcome.status === 'ok') return;
    }
    throw new Error(`the digest of ${recipient} kept changing under ${TRIES} tries`);
  }

  /** The scheduler's handler of `digest.flush`. */
  async run(job: JobRecord): Promise<undefined> {
    const { recipient_id, window_end } = job.payload as {
      recipient_id: string;
      window_end: number;
    };
    await this.flush(job.tenant_id, recipient_id, window_end);
    return undefined;
  }

  /** Sends a recipient's digest for the window ending at `end`, once. */
  async flush(tenant: string, recipient: string, end: number): Promise<FlushResult> {
    const bucket = await this.close(tenant, recipient, end);
    if (!bucket) return { status: 'none' };
    const data = bucket.data as unknown as BucketData;
    if (data.status === 'sent')
      return { status: 'already_sent', notification_id: data.notification_id };
    if (data.status === 'skipped') return { status: 'skipped', reason: 'skipped before' };
    if (data.count === 0) {
      await this.settle(bucket, { status: 'skipped' });
      return { status: 'skipped', reason: 'empty' };
    }
    const { sender, ids, logger, emit } = this.deps;
    const settings = await this.deps.settings(tenant, recipient);
    const channel = settings.channel as Channel;
    let input: SendNotificationBody;
    try {
      input = await this.message(tenant, recipient, data, settings);
    } catch (err) {
      if (err instanceof NotifydError && err.status < 500) {
        // A template that cannot render this digest will not later either.
        logger.error({ err, recipient, window_end: iso(end) }, 'digest not rendered');
        await this.settle(bucket, { status: 'skipped' });
        return { status: 'skipped', reason: err.code };
      }
      throw err;
    }
    let id: string;
    let mine = true;
    try {
      // A digest names no send_at: it is accepted now, with its notification id.
      const accepted = await sender.send(tenant, input, ids('req'), { digest: false });
      id = (accepted as { notification_id: string }).notification_id;
    } catch (err) {
      if (err instanceof NotifydError && err.code === 'DUPLICATE_NOTIFICATION') {
        id = String((err.details as { notification_id?: unknown })?.notification_id ?? '');
        mine = false;
      } else if (err instanceof NotifydError && err.code === 'NO_DELIVERY_CHANNEL') {
        logger.warn({ recipient, channel, details: err.details }, 'digest has no channel left');
        await this.settle(bucket, { status: 'skipped' });
        return { status: 'skipped', reason: 'no_delivery_channel' };
      } else {
        throw err;
      }
    }
    const at = this.deps.clock.now();
    await this.settle(bucket, { status: 'sent', notification_id: id, channel, sent_at: at });
    if (!mine) return { status: 'already_sent', notification_id: id };
    await this.remember(tenant, recipient, {
      last_sent_at: at,
      last_notification_id: id,
      last_window_end: end,
    });
    emit('notification.digest.sent', tenant, {
      subscriber_id: recipient,
      notification_id: id,
      channel,
      window_end: iso(end),
      count: data.count,
      categories: Object.keys(data.by_category).sort(),
    });
    return { status: 'sent', notification_id: id };
  }

  /** The digest as a send: rendered, on the recipient's digest channel, keyed by window. */
  private async message(
    tenant: string,
    recipient: string,
    data: BucketData,
    settings: DigestSettings,
  ): Promise<SendNotificationBody> {
    const { directory, templates, engine, options } = this.deps;
    const subscriber = await directory.get(tenant, recipient);
    const payload = digestPayload(
      data,
      { id: recipient, name: subscriber?.name ?? null, email: subscriber?.email ?? null },
      settings.frequency,
      options.link_url,
    );
    const channel = settings.channel as Channel;
    const contents: RenderedContent = options.template
      ? (
          await templates.render(tenant, options.template, payload, {
            locale: subscriber?.locale ?? null,
          })
        ).contents
      : (await renderContent(engine, DEFAULT_DIGEST_TEMPLATE, payload)).contents;
    const feed = contents.in_app ?? {
      title: contents.push?.title ?? contents.email?.subject ?? `${data.count} new notifications`,
      body: contents.push?.body ?? contents.email?.text ?? contents.sms?.body ?? '',
    };
    const own = contents[channel];
    return {
      recipient_id: recipient,
      channels: [channel],
      content: {
        title: feed.title,
        body: feed.body,
        ...(feed.action_url ? { action_url: feed.action_url } : {}),
      },
      ...(own && channel !== 'in_app' ? { channel_overrides: { [channel]: own } } : {}),
      category: 'digest',
      idempotency_key: `digest:${recipient}:${data.window_end}`,
      data: {
        digest: {
          window_end: iso(data.window_end),
          count: data.count,
          categories: data.by_category,
        },
      },
    } as SendNotificationBody;
  }

  /** Closes the bucket to new items (once); null when there is none. */
  private async close(
    tenant: string,
    recipient: string,
    end: number,
  ): Promise<StoredObject | null> {
    const { objects, clock } = this.deps;
    for (let i = 0; i < TRIES; i++) {
      const found = await objects.getByKey(BUCKET_KIND, tenant, bucketKey(recipient, end));
      if (!found) return null;
      const data = found.data as unknown as BucketData;
      if (data.status !== 'open') return found;
      const outcome = await objects.update(
        BUCKET_KIND,
        found.id,
        { data: { ...found.data, status: 'closed' }, key: found.key },
        found.version,
        clock.now(),
      );
      if (outcome.status === 'ok') return outcome.object;
    }
    throw new Error(`the digest of ${recipient} kept changing under ${TRIES} tries`);
  }

  /** Marks a closed bucket sent or skipped (whoever marks it first wins; both say the same). */
  private async settle(bucket: StoredObject, change: Partial<BucketData>): Promise<void> {
    const { objects, clock } = this.deps;
    let current: StoredObject | null = bucket;
    for (let i = 0; i < TRIES && current; i++) {
      const status = (current.data as unknown as BucketData).status;
      if (status === 'sent' || status === 'skipped') return;
      const outcome = await objects.update(
        BUCKET_KIND,
        current.id,
        { data: { ...current.data, ...change }, key: current.key },
        current.version,
        clock.now(),
      );
      if (outcome.status !== 'version_conflict') return;
      current = outcome.current;
    }
  }

  /** Keeps the recipient's last digest (`last_sent_at`). */
  private async remember(
    tenant: string,
    recipient: string,
    state: Record<string, unknown>,
  ): Promise<void> {
    const { objects, clock, ids } = this.deps;
    for (let i = 0; i < TRIES; i++) {
      const found = await objects.getByKey(STATE_KIND, tenant, recipient);
      if (!found) {
        try {
          await objects.create({
            kind: STATE_KIND,
            id: ids('dgs'),
            tenant_id: tenant,
            key: recipient,
            data: state,
            created_at: clock.now(),
          });
          return;
        } catch (err) {
          if (err instanceof StoreConflictError) continue;
          throw err;
        }
      }
      if (Number(found.data.last_sent_at ?? 0) > Number(state.last_sent_at)) return;
      const outcome = await objects.update(
        STATE_KIND,
        found.id,
        { data: state, key: recipient },
        found.version,
        clock.now(),
      );
      if (outcome.status === 'ok') return;
    }
  }

  /** A recipient's digest: settings, last sent, and the window now collecting. */
  async state(tenant: string, recipient: string): Promise<DigestState> {
    const { objects, clock } = this.deps;
    const settings = await this.deps.settings(tenant, recipient);
    const last = await objects.getByKey(STATE_KIND, tenant, recipient);
    let pending: DigestState['pending'] = null;
    let end = await windowEnd(settings, clock.now());
    // The window now collecting is this one, or the next if this one is being sent.
    for (let i = 0; i < 2 && !pending; i++) {
      const b = await objects.getByKey(BUCKET_KIND, tenant, bucketKey(recipient, end));
      const data = b?.data as unknown as BucketData | undefined;
      if (data?.status === 'open') {
        pending = { window_end: iso(end), count: data.count, by_category: data.by_category };
      }
      end = await windowEnd(settings, end);
    }
    const sentAt = last?.data.last_sent_at;
    return {
      subscriber_id: recipient,
      settings,
      last_sent_at: typeof sentAt === 'number' ? iso(sentAt) : null,
      last_notification_id: (last?.data.last_notification_id as string | undefined) ?? null,
      pending,
    };
  }
}
