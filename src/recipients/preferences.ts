import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { EventSink } from '../events/catalogue.js';
import { CHANNELS, type Channel } from '../notifications/channels.js';
import type {
  Category,
  ChannelDecision,
  PreferenceDocumentRef,
  PreferenceQuery,
  PreferenceService,
} from '../notifications/ports.js';
import type { CategoryService } from './categories.js';
import { QUIET_CHANNELS_DEFAULT, quietUntil } from './quiet-hours.js';
import type {
  CategoryPreferenceBody,
  CategoryPreferenceView,
  Digest,
  PreferencesBody,
  PreferencesView,
  QuietHours,
} from './schemas.js';
import type { PreferenceStore, SubscriberStore } from './store.js';
import { checkTimeZone } from './validation.js';

/** What a subscriber set, as stored: only what they said; the rest is the defaults. */
export interface PreferenceDocument {
  global_enabled?: boolean;
  channels?: Partial<
    Record<Channel, { enabled?: boolean; delivery_schedule?: 'realtime' | 'digest' }>
  >;
  categories?: Record<string, { channels?: Partial<Record<Channel, boolean>>; is_muted?: boolean }>;
  quiet_hours?: QuietHours | null;
  digest?: Digest;
}

const DIGEST_DEFAULT = {
  enabled: false,
  frequency: 'daily',
  delivery_time: '09:00',
  delivery_day: 'monday',
  categories: [] as string[],
  channel: 'email',
};

type PreferenceEvents = 'notification.preference_updated';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Whether the subscriber takes a channel as a digest: its `delivery_schedule` is `digest`,
 * or `digest.enabled` and the channel (not in-app) says nothing; `digest.categories`, when
 * listed, limits it to those categories (and their children).
 */
function digested(
  doc: PreferenceDocument,
  category: string | null,
  chain: Category[],
  channel: Channel,
): boolean {
  const schedule = doc.channels?.[channel]?.delivery_schedule;
  const wanted =
    schedule === 'digest' ||
    (schedule === undefined && doc.digest?.enabled === true && channel !== 'in_app');
  if (!wanted) return false;
  const only = doc.digest?.categories ?? [];
  if (only.length === 0 || (category !== null && only.includes(category))) return true;
  return chain.some((c) => only.includes(c.id));
}

/** Whether a category, or one of its parents, is mandatory. */
const mandatoryIn = (chain: Category[]) => chain.some((c) => c.mandatory);

/**
 * Subscribers' preferences: what they read and change (`/me/preferences`,
 * `/subscribers/{id}/preferences`), and the decision routing asks for each notification.
 */
export class Preferences implements PreferenceService {
  constructor(
    private readonly store: PreferenceStore,
    private readonly subscribers: SubscriberStore,
    private readonly categories: CategoryService,
    private readonly clock: Clock,
    private readonly emit: EventSink<PreferenceEvents>,
  ) {}

  private async document(tenantId: string, subscriberId: string) {
    const stored = await this.store.get(tenantId, subscriberId);
    return {
      doc: (stored?.data ?? {}) as PreferenceDocument,
      updated_at: stored?.updated_at ?? null,
    };
  }

  /** The subscriber's preferences with every default filled in. */
  async view(tenantId: string, subscriberId: string): Promise<PreferencesView> {
    const { doc, updated_at } = await this.document(tenantId, subscriberId);
    const channels: PreferencesView['channels'] = {};
    for (const c of CHANNELS) {
      const set = doc.channels?.[c];
      channels[c] = {
        enabled: set?.enabled ?? true,
        delivery_schedule: set?.delivery_schedule ?? 'realtime',
      };
    }
    const categories: PreferencesView['categories'] = {};
    for (const o of await this.categories.allOf(tenantId)) {
      const slug = o.key as string;
      const chain = await this.categories.chain(tenantId, slug);
      categories[slug] = this.categoryView(doc, slug, chain);
    }
    const subscriber = await this.subscribers.get(tenantId, subscriberId);
    const zone = subscriber?.timezone ?? 'UTC';
    return {
      subscriber_id: subscriberId,
      global_enabled: doc.global_enabled ?? true,
      channels,
      categories,
      quiet_hours: doc.quiet_hours ?? null,
      digest: { ...DIGEST_DEFAULT, timezone: zone, ...doc.digest },
      updated_at: updated_at === null ? null : iso(updated_at),
    };
  }

  /** Changes the parts given (channels and categories merged one by one). */
  async update(tenantId: string, subscriberId: string, body: PreferencesBody) {
    const { doc } = await this.document(tenantId, subscriberId);
    const next: PreferenceDocument = { ...doc };
    if (body.global_enabled !== undefined) next.global_enabled = body.global_enabled;
    if (body.channels) {
      next.channels = { ...doc.channels };
      for (const [c, set] of Object.entries(body.channels) as [Channel, object][]) {
        next.channels[c] = { ...next.channels[c], ...set };
      }
    }
    if (body.categories) {
      next.categories = { ...doc.categories };
      for (const [slug, set] of Object.entries(body.categories)) {
        next.categories[slug] = await this.checkedCategory(
          tenantId,
          slug,
          set,
          next.categories[slug],
          `body.categories.${slug}`,
        );
      }
    }
    if (body.quiet_hours !== undefined) {
      const q = body.quiet_hours;
      if (q?.timezone) checkTimeZone(q.timezone, 'body.quiet_hours.timezone');
      next.quiet_hours = q;
    }
    if (body.digest) {
      if (body.digest.timezone) checkTimeZone(body.digest.timezone, 'body.digest.timezone');
      next.digest = { ...doc.digest, ...body.digest };
    }
    await this.store.put(tenantId, subscriberId, { data: { ...next }, updated_at: this.now() });
    this.changed(tenantId, subscriberId, null, false);
    return this.view(tenantId, subscriberId);
  }

  /** True when the tenant defines the category (directly or as a parent's child). */
  async knowsCategory(tenantId: string, slug: string): Promise<boolean> {
    return (await this.categories.chain(tenantId, slug)).length > 0;
  }

  /** One category's switches and mute; a mandatory category refuses opt-outs (403). */
  async updateCategory(
    tenantId: string,
    subscriberId: string,
    slug: string,
    body: CategoryPreferenceBody,
  ): Promise<CategoryPreferenceView> {
    const { doc } = await this.document(tenantId, subscriberId);
    const categories = { ...doc.categories };
    categories[slug] = await this.checkedCategory(tenantId, slug, body, categories[slug], 'body');
    const next = { ...doc, categories };
    await this.store.put(tenantId, subscriberId, { data: { ...next }, updated_at: this.now() });
    this.changed(tenantId, subscriberId, slug, false);
    return this.categoryView(next, slug, await this.categories.chain(tenantId, slug));
  }

  /** Back to the defaults. */
  async reset(tenantId: string, subscriberId: string): Promise<PreferencesView> {
    await this.store.remove(tenantId, subscriberId);
    this.changed(tenantId, subscriberId, null, true);
    return this.view(tenantId, subscriberId);
  }

  /** One decision per channel asked; mandatory categories ignore opt-outs and mutes. */
  documents(tenantId: string, ids: string[]): Promise<Map<string, PreferenceDocumentRef>> {
    return this.store.getMany(tenantId, ids);
  }

  async decide(q: PreferenceQuery): Promise<Record<string, ChannelDecision>> {
    const doc = q.known
      ? ((q.known.document?.data ?? {}) as PreferenceDocument)
      : (await this.document(q.tenantId, q.subscriberId)).doc;
    const chain = q.category ? await this.categories.chain(q.tenantId, q.category) : [];
    const mandatory = mandatoryIn(chain);
    const quiet = doc.quiet_hours?.enabled && q.priority !== 'urgent' ? doc.quiet_hours : null;
    let until: number | null | undefined;
    const out: Record<string, ChannelDecision> = {};
    for (const channel of q.channels) {
      const refused = mandatory ? null : this.optOut(doc, chain, channel);
      if (refused) {
        out[channel] = { deliver: false, reason: refused };
        continue;
      }
      if (
        q.digest !== false &&
        q.priority !== 'urgent' &&
        digested(doc, q.category, chain, channel)
      ) {
        out[channel] = { deliver: true, digest: true };
        continue;
      }
      const affected: readonly string[] = quiet?.channels_affected ?? QUIET_CHANNELS_DEFAULT;
      if (quiet && affected.includes(channel)) {
        if (until === undefined) until = await this.quietEnd(q, quiet);
        if (until !== null) {
          out[channel] = { deliver: true, defer_until: until };
          continue;
        }
      }
      out[channel] = { deliver: true };
    }
    return out;
  }

  /** Why the subscriber's own choices drop this channel, or null. */
  private optOut(doc: PreferenceDocument, chain: Category[], channel: Channel) {
    if (doc.global_enabled === false) return 'global_disabled' as const;
    if (doc.channels?.[channel]?.enabled === false) return 'channel_disabled' as const;
    if (chain.length === 0) return null;
    if (chain.some((c) => doc.categories?.[c.id]?.is_muted === true)) {
      return 'category_muted' as const;
    }
    // The nearest category that says something about the channel decides; else the defaults.
    for (const c of chain) {
      const set = doc.categories?.[c.id]?.channels?.[channel];
      if (set !== undefined) return set ? null : ('category_disabled' as const);
    }
    return (chain[0] as Category).default_channels.includes(channel)
      ? null
      : ('category_disabled' as const);
  }

  private async quietEnd(q: PreferenceQuery, quiet: QuietHours): Promise<number | null> {
    const subscriber = q.known
      ? q.known.subscriber
      : quiet.timezone
        ? null
        : await this.subscribers.get(q.tenantId, q.subscriberId);
    const zone = quiet.timezone ?? subscriber?.timezone;
    return quietUntil(quiet, zone ?? 'UTC', q.now);
  }

  /** A category's preference after a change, refused when it opts out of a mandatory one. */
  private async checkedCategory(
    tenantId: string,
    slug: string,
    body: CategoryPreferenceBody,
    current: NonNullable<PreferenceDocument['categories']>[string] | undefined,
    field: string,
  ) {
    const chain = await this.categories.chain(tenantId, slug);
    if (chain.length === 0) {
      throw new NotifydError('CATEGORY_NOT_FOUND', `No category ${slug}.`, {
        id: slug,
        field,
      });
    }
    const optsOut =
      body.is_muted === true || Object.values(body.channels ?? {}).some((on) => on === false);
    if (optsOut && mandatoryIn(chain)) {
      throw new NotifydError('MANDATORY_CATEGORY', undefined, { category_id: slug, field });
    }
    const next = { ...current };
    if (body.channels) next.channels = { ...current?.channels, ...body.channels };
    if (body.is_muted !== undefined) next.is_muted = body.is_muted;
    return next;
  }

  private categoryView(
    doc: PreferenceDocument,
    slug: string,
    chain: Category[],
  ): CategoryPreferenceView {
    const mandatory = mandatoryIn(chain);
    const set = doc.categories?.[slug];
    const defaults = chain[0]?.default_channels ?? [];
    const channels: Record<string, boolean> = {};
    for (const c of CHANNELS) {
      channels[c] = mandatory ? defaults.includes(c) : (set?.channels?.[c] ?? defaults.includes(c));
    }
    return {
      category_id: slug,
      name: chain[0]?.name ?? slug,
      description: chain[0]?.description ?? null,
      channels,
      is_muted: mandatory ? false : (set?.is_muted ?? false),
      is_mandatory: mandatory,
    };
  }

  private now() {
    return this.clock.now();
  }

  private changed(tenantId: string, subscriberId: string, category: string | null, reset: boolean) {
    this.emit('notification.preference_updated', tenantId, {
      subscriber_id: subscriberId,
      category_id: category,
      reset,
    });
  }
}
