import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import type {
  CreateWebhookBody,
  UpdateWebhookBody,
  WebhookData,
  WebhookListQuery,
  WebhookView,
} from './schemas.js';
import type { WebhookTransport } from './transport.js';

/** The object-store kind of webhook subscriptions. */
export const WEBHOOK_KIND = 'webhook';

/** Who manages webhooks (every route needs `notifications:admin`). */
export interface WebhookCaller {
  /** The tenant the request acts in. */
  tenant_id: string;
  /** The key belongs to that tenant: it reaches no other, and no global webhook. */
  tenant_bound: boolean;
}

/** A stored webhook with its document typed. */
export type StoredWebhook = Omit<StoredObject, 'data'> & { data: WebhookData };

/** Told after every change, so this node's subscription cache reloads at once. */
export type WebhooksChanged = () => void;

const DEFAULT_PER_PAGE = 50;
const iso = (ms: number) => new Date(ms).toISOString();

/** What the API answers for a webhook: never its secret. */
export function webhookView(o: StoredWebhook): WebhookView {
  return {
    id: o.id,
    tenant_id: o.tenant_id,
    url: o.data.url,
    events: o.data.events,
    description: o.data.description,
    active: o.data.active,
    version: o.version,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
  };
}

/**
 * A webhook URL: absolute http(s), no credentials (they would travel in every request), and
 * not an address in webhooks.denied_networks (a name's addresses are checked on delivery).
 */
export function checkUrl(url: string, field: string, transport?: WebhookTransport): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(field, 'must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(field, 'must be an http or https URL');
  }
  if (parsed.username || parsed.password) {
    throw invalid(field, 'must not carry a user name or password');
  }
  const refusal = transport?.refusal(parsed);
  if (refusal) {
    throw invalid(field, `must not name ${refusal.address}, which is in webhooks.denied_networks`);
  }
  return parsed.href;
}

function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

/**
 * Webhook subscriptions in the object store. A tenant's webhooks get its events; a global
 * one (tenant null) gets every tenant's, so only a key bound to no tenant may see or write
 * one. A tenant-bound key reaches its own tenant's webhooks only.
 */
export class WebhookService {
  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly changed: WebhooksChanged = () => {},
    private readonly transport?: WebhookTransport,
  ) {}

  /** Creates a webhook; the answer is the only place its secret is ever shown. */
  async create(
    caller: WebhookCaller,
    body: CreateWebhookBody,
  ): Promise<{ webhook: StoredWebhook; secret: string }> {
    const tenant = this.targetTenant(caller, body.tenant_id);
    const data: WebhookData = {
      url: checkUrl(body.url, 'body.url', this.transport),
      events: body.events,
      secret: body.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
      description: body.description ?? '',
      active: body.active ?? true,
    };
    const created = (await this.store.create({
      kind: WEBHOOK_KIND,
      id: this.ids('whk'),
      tenant_id: tenant,
      key: null,
      data: { ...data },
      created_at: this.clock.now(),
    })) as StoredWebhook;
    this.changed();
    return { webhook: created, secret: data.secret };
  }

  /** A page of the webhooks the caller sees, oldest first. */
  async list(
    caller: WebhookCaller,
    query: WebhookListQuery,
  ): Promise<{ items: StoredWebhook[]; page: number; per_page: number; total: number }> {
    const page = query.page ?? 1;
    const perPage = query.per_page ?? DEFAULT_PER_PAGE;
    const scope = caller.tenant_bound ? 'tenant' : (query.scope ?? 'all');
    const tenants =
      scope === 'global'
        ? [null]
        : scope === 'tenant'
          ? [caller.tenant_id]
          : [caller.tenant_id, null];
    const { items, total } = await this.store.list({
      kind: WEBHOOK_KIND,
      tenants,
      offset: (page - 1) * perPage,
      limit: perPage,
    });
    return { items: items as StoredWebhook[], page, per_page: perPage, total };
  }

  /** A webhook the caller may see, or 404 WEBHOOK_NOT_FOUND. */
  async get(caller: WebhookCaller, id: string): Promise<StoredWebhook> {
    const found = (await this.store.get(WEBHOOK_KIND, id)) as StoredWebhook | null;
    if (!found || (caller.tenant_bound && found.tenant_id !== caller.tenant_id)) {
      throw new NotifydError('WEBHOOK_NOT_FOUND', undefined, { id });
    }
    return found;
  }

  /** Changes the fields given; with `version`, only at that version. */
  async update(caller: WebhookCaller, id: string, body: UpdateWebhookBody): Promise<StoredWebhook> {
    const { version, ...change } = body;
    const url =
      change.url === undefined ? undefined : checkUrl(change.url, 'body.url', this.transport);
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(caller, id);
      if (version !== undefined && current.version !== version) throw stale(current.version);
      const data: WebhookData = { ...current.data, ...change, ...(url ? { url } : {}) };
      const outcome = await this.store.update(
        WEBHOOK_KIND,
        id,
        { data: { ...data }, key: null },
        current.version,
        this.clock.now(),
      );
      if (outcome.status === 'ok') {
        this.changed();
        return outcome.object as StoredWebhook;
      }
      if (outcome.status === 'not_found') {
        throw new NotifydError('WEBHOOK_NOT_FOUND', undefined, { id });
      }
      if (outcome.status === 'key_taken' || version !== undefined || attempt >= 4) {
        throw stale(current.version);
      }
    }
  }

  async remove(caller: WebhookCaller, id: string): Promise<StoredWebhook> {
    await this.get(caller, id);
    const outcome = await this.store.remove(WEBHOOK_KIND, id);
    if (outcome.status !== 'ok') throw new NotifydError('WEBHOOK_NOT_FOUND', undefined, { id });
    this.changed();
    return outcome.object as StoredWebhook;
  }

  /** The tenant a new webhook goes to: the one asked for (null: global), else the caller's. */
  private targetTenant(caller: WebhookCaller, requested: string | null | undefined): string | null {
    if (requested === undefined) return caller.tenant_id;
    if (requested === null) {
      if (caller.tenant_bound) {
        throw new NotifydError(
          'FORBIDDEN',
          "A global webhook gets every tenant's events: it needs a notifications:admin key bound to no tenant.",
          { required: 'notifications:admin' },
        );
      }
      return null;
    }
    if (caller.tenant_bound && requested !== caller.tenant_id) {
      throw new NotifydError('FORBIDDEN', 'A tenant key can only manage its own tenant.');
    }
    return requested;
  }
}

function stale(version: number): NotifydError {
  return new NotifydError('VERSION_CONFLICT', undefined, { version });
}
