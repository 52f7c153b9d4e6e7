/**
 * Sending: one request (or a batch's item, or a topic member) to one stored notification
 * with its delivery rows. `prepare` validates, resolves the recipient, renders, routes and
 * builds the records without writing; `commit` writes any number of prepared sends with one
 * store call (one durable write) and then delivers in-app and wakes the delivery workers.
 *
 * An inline in-app send naming no template, recipient record, channels or overrides takes
 * the fast path: no lookups at all, as before routing existed.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import type { Store } from '../store/types.js';
import type { CapQuery, UserCaps } from './caps.js';
import type { Channel, InAppContent, RenderedContent } from './channels.js';
import { checkActions, checkExpiry, splitContent } from './content.js';
import type { ProviderChannels } from './delivery-port.js';
import { emitInAppSent, type InAppEventSink } from './in-app-events.js';
import type {
  Device,
  DigestCollector,
  DigestItem,
  KnownRecipients,
  PreferenceService,
  RecipientDirectory,
  Subscriber,
  TemplateRenderer,
} from './ports.js';
import {
  type DeliveryRecord,
  type NewNotification,
  type NotificationRecord,
  newDelivery,
  normalPriority,
  type Priority,
  type TemplateRef,
} from './records.js';
import { contentFromInApp, type Routed, route } from './routing.js';
import type { SendAccepted, SendNotificationBody } from './schemas.js';
import type { DeliveryTracker } from './tracking.js';
import type { UserChannel } from './user-channel.js';
import { toView } from './view.js';

/** The services routing uses when the server has them. */
export interface RoutingNeeds {
  directory?: RecipientDirectory;
  preferences?: PreferenceService;
  templates?: TemplateRenderer;
  providers?: ProviderChannels;
  /** Where digested channels go (the digests module, built after this one: asked when used). */
  digests?: () => DigestCollector | null;
}

/** How a send is routed beyond its body. */
export interface SendOptions {
  /** False: this send is itself a digest, so none of its channels is collected again. */
  digest?: boolean;
  /** The recipient read ahead with the rest of its page (a topic send): no reads of its own. */
  known?: KnownRecipients;
}

export interface SenderDeps extends RoutingNeeds {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  users: UserChannel;
  idempotencyTtlMs: number;
  tracker?: DeliveryTracker;
  /** Told which queued channels got new deliveries (the delivery port's onQueued). */
  queued: (channels: readonly string[]) => void;
  /** Per-user channel caps (caps.ts); none: nothing is capped. */
  caps?: UserCaps;
  /** Schedules the release of an in-app notification deferred by a cap (cap-release.ts). */
  release?: (n: NotificationRecord, at: number) => Promise<void>;
  /** Where `notification.accepted` goes, once per stored notification. */
  events?: EventSink<'notification.accepted'>;
  /** Where the in-app `notification.sent` goes, when a webhook wants it (in-app-events.ts). */
  inApp?: InAppEventSink;
}

/** A send ready to be written. */
export interface Prepared {
  item: NewNotification;
  /** Routed sends: what routing dropped, by channel. */
  skipped: Record<string, string> | null;
  /** Channels that went to the recipient's digest instead. */
  digested?: Channel[];
  /** Channels a cap deferred, and until when (epoch ms). */
  deferred?: Record<string, number>;
}

/** A send routed but not yet counted against its caps (Sender.routeOne). */
interface PendingSend {
  capQuery: CapQuery;
  uncapped: Routed[];
  /** The send's records once its caps answered with `routed`; may throw NO_DELIVERY_CHANNEL. */
  finish(routed: Routed[]): Prepared;
}

/** What a template render gave, kept for the other recipients of one request (per locale). */
export type RenderCache = Map<string, Promise<Awaited<ReturnType<TemplateRenderer['render']>>>>;

function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field}: ${message}`, {
    issues: [{ field, message }],
  });
}

/** The `notification.accepted` payload of a stored notification. */
function acceptedEvent(n: NotificationRecord) {
  return {
    notification_id: n.id,
    request_id: n.request_id,
    recipient_id: n.recipient_id,
    category: n.category,
    priority: n.priority,
    channels: n.channels,
    template: n.template?.key ?? null,
    accepted_at: new Date(n.created_at).toISOString(),
  };
}

/** True when a send is the plain inline in-app one (no lookups, no rendering). */
export function isInline(input: SendNotificationBody): boolean {
  return (
    input.template === undefined &&
    input.template_id === undefined &&
    input.recipient === undefined &&
    input.channels === undefined &&
    input.channel_overrides === undefined
  );
}

/** In-app feed content for a notification whose template has no in-app channel. */
function feedContent(contents: RenderedContent): InAppContent {
  if (contents.in_app) return contents.in_app;
  if (contents.push) return { title: contents.push.title, body: contents.push.body };
  if (contents.email) return { title: contents.email.subject, body: contents.email.text };
  if (contents.sms) return { title: contents.sms.body.slice(0, 512), body: '' };
  return { title: 'Notification', body: '' };
}

/** What a digest keeps of a notification routed to it. */
function digestItem(n: NotificationRecord, channels: Channel[]): DigestItem {
  return {
    tenant_id: n.tenant_id,
    recipient_id: n.recipient_id,
    notification_id: n.id,
    channels,
    category: n.category,
    title: n.content.title,
    body: n.content.body,
    action_url: n.content.action_url ?? null,
    group_key: n.group_key,
    data: n.data,
    created_at: n.created_at,
  };
}

const isoTimes = (times: Record<string, number>) =>
  Object.fromEntries(Object.entries(times).map(([c, at]) => [c, new Date(at).toISOString()]));

export class Sender {
  constructor(private readonly deps: SenderDeps) {}

  /** Whether sends are counted against per-user caps. */
  get capped(): boolean {
    return this.deps.caps !== undefined;
  }

  /** Validates, resolves, renders and routes one send; writes nothing. */
  async prepare(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    where = 'body',
    cache?: RenderCache,
    opts: SendOptions = {},
  ): Promise<Prepared> {
    if (isInline(input) && !this.deps.caps) {
      return this.prepareInline(tenantId, input, requestId, where);
    }
    const pending = await this.routeOne(tenantId, input, requestId, where, cache, opts);
    const { caps } = this.deps;
    return pending.finish(
      caps ? await caps.apply(pending.capQuery, pending.uncapped) : pending.uncapped,
    );
  }

  /**
   * prepare() for many sends of one request (a page of a topic send, a batch), in their
   * order, each to what prepare() gives or the error that refused it. Their per-user caps are
   * counted with one store call (caps.ts applyMany) rather than one or more per send;
   * `inOrder` (a batch, whose sends may share a user): with the answers of prepare() on each
   * send in turn (caps.ts says when that takes more than the one call).
   */
  async prepareMany(
    tenantId: string,
    sends: ReadonlyArray<{ input: SendNotificationBody; where: string }>,
    requestId: string,
    cache?: RenderCache,
    opts: SendOptions & { inOrder?: boolean } = {},
  ): Promise<PromiseSettledResult<Prepared>[]> {
    const { inOrder, ...sendOpts } = opts;
    const routed = await Promise.allSettled(
      sends.map(({ input, where }) =>
        this.routeOne(tenantId, input, requestId, where, cache, sendOpts),
      ),
    );
    const ready: PendingSend[] = [];
    for (const r of routed) if (r.status === 'fulfilled') ready.push(r.value);
    const { caps } = this.deps;
    let capped: PromiseSettledResult<Routed[]>[];
    try {
      capped = caps
        ? await caps.applyMany(
            ready.map((p) => ({ q: p.capQuery, routed: p.uncapped })),
            inOrder ? { inOrder } : {},
          )
        : ready.map((p) => ({ status: 'fulfilled', value: p.uncapped }));
    } catch (reason) {
      // The store could not count (STORE_UNAVAILABLE): every send refused as prepare() would.
      capped = ready.map(() => ({ status: 'rejected', reason }));
    }
    let next = 0;
    return routed.map((r): PromiseSettledResult<Prepared> => {
      if (r.status === 'rejected') return r;
      const c = capped[next++] as PromiseSettledResult<Routed[]>;
      if (c.status === 'rejected') return c;
      try {
        return { status: 'fulfilled', value: r.value.finish(c.value) };
      } catch (reason) {
        return { status: 'rejected', reason };
      }
    });
  }

  /**
   * Everything of prepare() before the caps: the send routed, what the caps are asked, and
   * how the send is finished once they answered (the records built, or NO_DELIVERY_CHANNEL).
   */
  private async routeOne(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    where: string,
    cache: RenderCache | undefined,
    opts: SendOptions,
  ): Promise<PendingSend> {
    if (isInline(input))
      return this.inlinePending(this.prepareInline(tenantId, input, requestId, where));
    const recipientId = this.recipientOf(input, where);
    const { directory, preferences, providers, clock } = this.deps;
    const now = clock.now();
    const { known } = opts;
    let subscriber: Subscriber | null = null;
    if (directory) {
      subscriber = input.recipient
        ? await directory.upsert(tenantId, input.recipient)
        : ((known
            ? known.subscribers.get(recipientId)
            : await directory.get(tenantId, recipientId)) ??
          (await directory.upsert(tenantId, { id: recipientId })));
    }
    const { candidates, contents, template, category, defaults } = await this.contents(
      tenantId,
      input,
      subscriber,
      where,
      cache,
    );
    // The send's own priority and lifetime win over its template's.
    const expiresAt = this.expiry(input, now, where, defaults.ttl_seconds);
    const requested = input.channels ?? null;
    const wanted = candidates.filter((c) => !requested || requested.includes(c));
    const priority = normalPriority(input.priority ?? defaults.priority ?? undefined);
    let devices: Device[] = [];
    if (directory && wanted.includes('push')) {
      devices = known
        ? (known.devices.get(recipientId) ?? [])
        : await directory.activeDevices(tenantId, recipientId);
    }
    const decisions =
      preferences && wanted.length > 0
        ? await preferences.decide({
            tenantId,
            subscriberId: recipientId,
            category,
            channels: wanted,
            priority,
            now,
            // Without a digest service (digests off), nothing is collected: all go now.
            ...(opts.digest === false || !this.deps.digests?.() ? { digest: false } : {}),
            ...(known?.preferences
              ? {
                  known: {
                    document: known.preferences.get(recipientId) ?? null,
                    subscriber,
                  },
                }
              : {}),
          })
        : null;
    const uncapped = route({
      candidates,
      requested: template ? requested : null,
      decisions,
      subscriber,
      devices,
      providers: providers ?? null,
    });
    return {
      capQuery: { tenantId, recipientId, category: category ?? 'general', priority, now },
      uncapped,
      finish: (routed) =>
        this.finish(tenantId, input, requestId, where, now, {
          recipientId,
          contents,
          template,
          category,
          expiresAt,
          priority,
          devices,
          uncapped,
          routed,
        }),
    };
  }

  /** The records of a routed send once its caps answered (prepare's last step). */
  private finish(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    where: string,
    now: number,
    routing: {
      recipientId: string;
      contents: RenderedContent;
      template: TemplateRef | null;
      category: string | null;
      expiresAt: number | null;
      priority: Priority;
      devices: Device[];
      uncapped: Routed[];
      routed: Routed[];
    },
  ): Prepared {
    const { recipientId, contents, template, category, expiresAt, priority, devices } = routing;
    const { uncapped, routed } = routing;
    const skipped: Record<string, string> = {};
    const digested: Channel[] = [];
    for (const r of routed) {
      if (r.deliver) continue;
      skipped[r.channel] = r.reason;
      if (r.reason === 'digest') digested.push(r.channel);
    }
    if (digested.length === 0 && !routed.some((r) => r.deliver)) {
      throw new NotifydError(
        'NO_DELIVERY_CHANNEL',
        `No channel is left for ${recipientId}: ${Object.entries(skipped)
          .map(([c, why]) => `${c} (${why})`)
          .join(', ')}.`,
        { recipient_id: recipientId, skipped },
      );
    }
    const inApp = feedContent(contents);
    const split = splitContent(inApp, input.actions ?? (input.content ? undefined : inApp.actions));
    checkActions(split.actions, where);
    const delivered = routed.filter((r) => r.deliver);
    const deferred = this.capDeferred(uncapped, routed);
    const held = deferred?.in_app !== undefined;
    const toFeed = !held && delivered.some((r) => r.channel === 'in_app');
    const queuedContents: RenderedContent = {};
    for (const r of delivered) {
      if (r.channel !== 'in_app')
        Object.assign(queuedContents, { [r.channel]: contents[r.channel] });
    }
    const notification = this.record(tenantId, input, requestId, recipientId, now, {
      priority,
      content: split.content,
      actions: split.actions,
      category: category ?? 'general',
      channels: delivered.map((r) => r.channel),
      template,
      contents: Object.keys(queuedContents).length > 0 ? queuedContents : null,
      expires_at: expiresAt,
      // Not routed to the feed: kept (deliveries, export) but out of the inbox and its counts.
      hidden: !toFeed,
    });
    return {
      item: this.item(
        notification,
        this.deliveries(notification, routed, devices, now, held),
        input,
      ),
      skipped,
      ...(digested.length > 0 ? { digested } : {}),
      ...(deferred ? { deferred } : {}),
    };
  }

  /** The channels a cap moved later than routing had them, with their new time. */
  private capDeferred(before: Routed[], after: Routed[]): Record<string, number> | null {
    const out: Record<string, number> = {};
    after.forEach((r, i) => {
      const was = before[i];
      if (r.deliver && was?.deliver && r.defer_until !== was.defer_until && r.defer_until !== null)
        out[r.channel] = r.defer_until;
    });
    return Object.keys(out).length > 0 ? out : null;
  }

  /** A plain inline in-app send, to be counted against the in-app cap (deferred past it). */
  private inlinePending(p: Prepared): PendingSend {
    const n = p.item.notification;
    const feed: Routed = { channel: 'in_app', deliver: true, defer_until: null };
    return {
      capQuery: {
        tenantId: n.tenant_id,
        recipientId: n.recipient_id,
        category: n.category,
        priority: n.priority,
        now: n.created_at,
      },
      uncapped: [feed],
      finish: ([capped]) => this.capInline(p, capped),
    };
  }

  /** The inline send `p` as its in-app cap answered (`capped`: its one channel). */
  private capInline(p: Prepared, capped: Routed | undefined): Prepared {
    const n = p.item.notification;
    if (!capped?.deliver || capped.defer_until === null) return p;
    const at = capped.defer_until;
    const notification = { ...n, read_at: n.created_at, dismissed_at: n.created_at };
    return {
      ...p,
      item: {
        ...p.item,
        notification,
        deliveries: this.deliveries(notification, [capped], [], n.created_at, true),
      },
      deferred: { in_app: at },
    };
  }

  /**
   * Writes prepared sends with one store call. Resolves, in order, to each one's answer or
   * the error that refused it (a repeated idempotency key).
   */
  async commit(
    prepared: Prepared[],
    options: { quiet?: boolean } = {},
  ): Promise<Array<SendAccepted | NotifydError>> {
    if (prepared.length === 0) return [];
    const outcomes = await this.deps.store.notifications.insert(prepared.map((p) => p.item));
    const queued = new Set<string>();
    const collected: DigestItem[] = [];
    const out: Array<SendAccepted | NotifydError> = [];
    for (let i = 0; i < prepared.length; i++) {
      const outcome = outcomes[i];
      const { item, skipped } = prepared[i];
      const n = item.notification;
      if (outcome?.status === 'duplicate') {
        out.push(
          new NotifydError('DUPLICATE_NOTIFICATION', undefined, {
            notification_id: outcome.notification_id,
            request_id: outcome.request_id,
          }),
        );
        continue;
      }
      for (const d of item.deliveries) if (d.status === 'pending') queued.add(d.channel);
      if (prepared[i].digested) collected.push(digestItem(n, prepared[i].digested as Channel[]));
      const deferred = prepared[i].deferred;
      const later = deferred?.in_app;
      if (later !== undefined) await this.deps.release?.(n, later);
      else if (n.channels.includes('in_app') && !options.quiet) await this.publish(n);
      this.deps.events?.('notification.accepted', n.tenant_id, acceptedEvent(n));
      if (this.deps.inApp && n.channels.includes('in_app')) {
        emitInAppSent(this.deps.inApp, n, item.deliveries);
      }
      out.push({
        request_id: n.request_id,
        notification_id: n.id,
        status: 'accepted',
        channels_targeted: n.channels,
        ...(skipped ? { channels_skipped: skipped } : {}),
        ...(deferred ? { channels_deferred: isoTimes(deferred) } : {}),
      });
    }
    if (queued.size > 0) this.deps.queued([...queued]);
    if (collected.length > 0) await this.deps.digests?.()?.collect(collected);
    return out;
  }

  /** Real-time delivery to the recipient's open sessions, and ack tracking. */
  async publish(n: NotificationRecord): Promise<void> {
    const view = toView(n);
    // Pending first: an ack sent the moment the frame arrives must find it recorded, or the
    // notification would stay pending and be redelivered on the next connection.
    await this.deps.tracker?.published(n.tenant_id, view);
    this.deps.users.publish(n.tenant_id, n.recipient_id, { type: 'notification', data: view });
  }

  /** The plain inline in-app send (see isInline): synchronous, no lookups before the write. */
  prepareInline(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    where = 'body',
  ): Prepared {
    const recipientId = this.recipientOf(input, where);
    const now = this.deps.clock.now();
    if (!input.content) throw invalid(`${where}.content`, 'required unless a template is named');
    const { content, actions } = splitContent(input.content, input.actions);
    checkActions(actions, where);
    const notification = this.record(tenantId, input, requestId, recipientId, now, {
      priority: normalPriority(input.priority),
      content,
      actions,
      category: input.category ?? 'general',
      channels: ['in_app'],
      template: null,
      contents: null,
      expires_at: this.expiry(input, now, where),
      hidden: false,
    });
    const feed: Routed = { channel: 'in_app', deliver: true, defer_until: null };
    return {
      item: this.item(notification, this.deliveries(notification, [feed], [], now), input),
      skipped: null,
    };
  }

  private recipientOf(input: SendNotificationBody, where: string): string {
    const id = input.recipient?.id ?? input.recipient_id;
    if (id === undefined)
      throw invalid(`${where}.recipient_id`, 'recipient_id or recipient is required');
    if (input.recipient && input.recipient_id !== undefined && input.recipient_id !== id) {
      throw invalid(`${where}.recipient_id`, 'differs from recipient.id');
    }
    return id;
  }

  private expiry(
    input: SendNotificationBody,
    now: number,
    where: string,
    templateTtl: number | null = null,
  ): number | null {
    const at = checkExpiry(input.expires_at, now, `${where}.expires_at`);
    const ttl = input.ttl_seconds ?? templateTtl;
    if (at !== null || ttl === null) return at;
    return now + ttl * 1000;
  }

  /** The channels the content exists for and each one's content: rendered, or inline. */
  private async contents(
    tenantId: string,
    input: SendNotificationBody,
    subscriber: Subscriber | null,
    where: string,
    cache?: RenderCache,
  ): Promise<{
    candidates: Channel[];
    contents: RenderedContent;
    template: TemplateRef | null;
    category: string | null;
    /** The template's priority and lifetime for a send that gives none. */
    defaults: { priority: Priority | null; ttl_seconds: number | null };
  }> {
    const name = input.template ?? input.template_id;
    let out: Awaited<ReturnType<Sender['contents']>>;
    if (name !== undefined) {
      if (input.content) throw invalid(`${where}.content`, 'give content or a template, not both');
      const { templates } = this.deps;
      if (!templates)
        throw invalid(`${where}.template`, 'templates are not available on this server');
      const locale = input.locale ?? subscriber?.locale ?? null;
      const key = `${name}\u0000${locale ?? ''}`;
      let rendering = cache?.get(key);
      if (!rendering) {
        rendering = templates.render(tenantId, name, input.payload ?? {}, { locale });
        cache?.set(key, rendering);
      }
      const r = await rendering;
      out = {
        candidates: [...r.channels],
        contents: { ...r.contents },
        template: { id: r.template.id, key: r.template.key, version: r.template.version },
        category: input.category ?? r.template.category,
        defaults: { priority: r.template.priority, ttl_seconds: r.template.ttl_seconds },
      };
    } else {
      if (!input.content) throw invalid(`${where}.content`, 'required unless a template is named');
      const candidates = input.channels ? [...input.channels] : (['in_app'] as Channel[]);
      const contents: RenderedContent = {};
      for (const c of candidates)
        Object.assign(contents, { [c]: contentFromInApp(c, input.content) });
      out = {
        candidates,
        contents,
        template: null,
        category: input.category ?? null,
        defaults: { priority: null, ttl_seconds: null },
      };
    }
    for (const [channel, override] of Object.entries(input.channel_overrides ?? {})) {
      const base = out.contents[channel as Channel];
      if (base && override) Object.assign(out.contents, { [channel]: { ...base, ...override } });
    }
    return out;
  }

  private record(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    recipientId: string,
    now: number,
    fields: Pick<
      NotificationRecord,
      | 'priority'
      | 'content'
      | 'actions'
      | 'category'
      | 'channels'
      | 'template'
      | 'contents'
      | 'expires_at'
    > & { hidden: boolean },
  ): NotificationRecord {
    const { hidden, ...rest } = fields;
    return {
      id: this.deps.ids('ntf'),
      tenant_id: tenantId,
      request_id: requestId,
      recipient_id: recipientId,
      data: input.data ?? null,
      group_key: input.group_key ?? null,
      idempotency_key: input.idempotency_key ?? null,
      cancellation_key: input.cancellation_key ?? null,
      created_at: now,
      read_at: hidden ? now : null,
      dismissed_at: hidden ? now : null,
      action_id: null,
      actioned_at: null,
      deleted_at: null,
      ...rest,
    };
  }

  /** One row per routed channel (per device for push), skipped ones with their reason. */
  private deliveries(
    n: NotificationRecord,
    routed: Routed[],
    devices: readonly Device[],
    now: number,
    /** The in-app delivery is held back by a cap until its release. */
    heldInApp = false,
  ): DeliveryRecord[] {
    const row = (channel: string, over: Partial<DeliveryRecord>): DeliveryRecord =>
      newDelivery(
        this.deps.ids('dlv'),
        { tenant_id: n.tenant_id, notification_id: n.id, recipient_id: n.recipient_id, channel },
        now,
        over,
      );
    const rows: DeliveryRecord[] = [];
    for (const r of routed) {
      if (!r.deliver) {
        rows.push(row(r.channel, { status: 'skipped', last_error: r.reason }));
      } else if (r.channel === 'in_app' && heldInApp && r.defer_until !== null) {
        // Held back by a cap: pending (shown deferred) until its release job (cap-release.ts).
        rows.push(row('in_app', { next_attempt_at: r.defer_until }));
      } else if (r.channel === 'in_app') {
        // The feed is the in-app inbox: stored in it is delivered; an ack acknowledges it.
        rows.push(row('in_app', { status: 'delivered', attempts: 1 }));
      } else {
        const due = r.defer_until ?? now;
        const targets = r.channel === 'push' ? devices.map((d) => d.id) : [null];
        for (const device_id of targets)
          rows.push(row(r.channel, { device_id, next_attempt_at: due }));
      }
    }
    return rows;
  }

  private item(
    notification: NotificationRecord,
    deliveries: DeliveryRecord[],
    input: SendNotificationBody,
  ): NewNotification {
    const key = input.idempotency_key;
    return {
      notification,
      deliveries,
      ...(key
        ? { idempotency: { key, expires_at: notification.created_at + this.deps.idempotencyTtlMs } }
        : {}),
    };
  }
}
