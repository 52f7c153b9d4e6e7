import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { isSealed, readSecret, type SecretBox, writeSecret } from '../core/secrets.js';
import type { ObjectKind } from '../objects/kind.js';
import { ObjectRepository, type Page, type Stored } from '../objects/repository.js';
import type { ListQuery } from '../objects/schemas.js';
import type { Caller } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import type { CreateWebhookBody, UpdateWebhookBody, WebhookData, WebhookView } from './schemas.js';
import type { WebhookTransport } from './transport.js';

/** Webhook subscriptions as admin objects. A global one gets every tenant's events, so only a key bound to no tenant sees or writes one. */
export const WEBHOOK_OBJECT: ObjectKind<'webhook'> = {
  kind: 'webhook',
  idKind: 'whk',
  notFound: 'WEBHOOK_NOT_FOUND',
  global: {
    visibleToTenants: false,
    writeScope: 'notifications:admin',
    refusal:
      "A global webhook gets every tenant's events: it needs a notifications:admin key bound to no tenant.",
  },
};

/** The object-store kind of webhook subscriptions. */
export const WEBHOOK_KIND = WEBHOOK_OBJECT.kind;

/** A stored webhook with its document typed. */
export type StoredWebhook = Stored<WebhookData>;

/** Told after every change, so this node's subscription cache reloads at once. */
export type WebhooksChanged = () => void;

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
 * Webhook subscriptions in the object store (see WEBHOOK_OBJECT for who reaches which).
 * The secret is generated when not given and kept in the document, sealed with
 * `encryption.key` when one is set (a plaintext one written before is still read, and sealed
 * on the webhook's next change): deliveries are signed with it, and only the create answer
 * shows it.
 */
export class WebhookService {
  private readonly objects: ObjectRepository<WebhookData>;

  constructor(
    store: ObjectStore,
    clock: Clock,
    ids: IdGenerator,
    private readonly changed: WebhooksChanged = () => {},
    private readonly transport?: WebhookTransport,
    private readonly box: SecretBox | null = null,
  ) {
    this.objects = new ObjectRepository(store, WEBHOOK_OBJECT, clock, ids);
  }

  /** Creates a webhook; its secret, in plaintext, is in `data.secret`, for the create answer only. */
  async create(caller: Caller, body: CreateWebhookBody): Promise<StoredWebhook> {
    const tenant = this.objects.targetTenant(caller, body.tenant_id);
    const secret = body.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    const created = await this.objects.create(
      tenant,
      {
        url: checkUrl(body.url, 'body.url', this.transport),
        events: body.events,
        secret: writeSecret(this.box, secret),
        description: body.description ?? '',
        active: body.active ?? true,
      },
      null,
    );
    this.changed();
    return { ...created, data: { ...created.data, secret } };
  }

  /** The webhook with its secret opened, to sign with (409 ENCRYPTION_KEY_MISSING when it cannot be opened). */
  opened(webhook: StoredWebhook): StoredWebhook {
    try {
      const secret = readSecret(this.box, webhook.data.secret);
      return { ...webhook, data: { ...webhook.data, secret } };
    } catch (err) {
      throw new NotifydError('ENCRYPTION_KEY_MISSING', (err as Error).message, { id: webhook.id });
    }
  }

  /** A page of the webhooks the caller sees, oldest first. */
  list(caller: Caller, query: ListQuery): Promise<Page<StoredWebhook>> {
    return this.objects.list(caller, query);
  }

  /** A webhook the caller may see, or 404 WEBHOOK_NOT_FOUND. */
  get(caller: Caller, id: string): Promise<StoredWebhook> {
    return this.objects.get(caller, id);
  }

  /** Changes the fields given; with `version`, only at that version. */
  async update(caller: Caller, id: string, body: UpdateWebhookBody): Promise<StoredWebhook> {
    const { version, ...change } = body;
    const url =
      change.url === undefined ? undefined : checkUrl(change.url, 'body.url', this.transport);
    const updated = await this.objects.update(
      caller,
      id,
      (current) => {
        // A new secret is sealed; a plaintext one from before the key is sealed now.
        const given = change.secret ?? current.data.secret;
        const secret =
          change.secret !== undefined || (this.box && !isSealed(given))
            ? writeSecret(this.box, given)
            : given;
        const data = { ...current.data, ...change, ...(url ? { url } : {}), secret };
        return { data, key: null };
      },
      version,
    );
    this.changed();
    return updated;
  }

  async remove(caller: Caller, id: string): Promise<StoredWebhook> {
    const removed = await this.objects.remove(caller, id);
    this.changed();
    return removed;
  }
}
