import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import type { Channel } from '../notifications/channels.js';
import type { RenderedTemplate, TemplateRenderer } from '../notifications/ports.js';
import type { ObjectKind } from '../objects/kind.js';
import type { Page, Stored } from '../objects/repository.js';
import type { Caller } from '../objects/tenancy.js';
import { VersionedRepository } from '../objects/versions.js';
import type { ObjectStore } from '../store/types.js';
import {
  channelsOf,
  checkContent,
  normaliseChannels,
  normaliseVariables,
  type Rendering,
  renderContent,
  type TemplateContent,
} from './content.js';
import type { TemplateEngine } from './engine.js';
import type {
  CreateTemplateBody,
  DraftTemplate,
  RenderBody,
  RenderDraftBody,
  TemplateData,
  TemplateListQuery,
  TemplatePriority,
  TemplateVersionData,
  TemplateVersionView,
  TemplateView,
  UpdateTemplateBody,
} from './schemas.js';

const GLOBAL = {
  visibleToTenants: true,
  writeScope: 'notifications:admin',
  refusal:
    'A global template can be sent with in every tenant: it needs a notifications:admin key bound to no tenant.',
} as const;

/** Templates as admin objects, with a unique key; global ones serve every tenant. */
export const TEMPLATE_OBJECT: ObjectKind<'notification_template'> = {
  kind: 'notification_template',
  idKind: 'tpl',
  notFound: 'TEMPLATE_NOT_FOUND',
  global: GLOBAL,
};

/** A template's past versions, one object each, keyed `<template id>:<version>`. */
export const TEMPLATE_VERSION_OBJECT: ObjectKind<'notification_template_version'> = {
  kind: 'notification_template_version',
  idKind: 'tpv',
  notFound: 'TEMPLATE_VERSION_NOT_FOUND',
  global: GLOBAL,
};

export type StoredTemplate = Stored<TemplateData>;

const DEFAULT_LOCALE = 'en';
const iso = (ms: number) => new Date(ms).toISOString();

function contentView(d: TemplateData) {
  return {
    name: d.name,
    description: d.description,
    category: d.category,
    channels: d.channels,
    locales: d.locales,
    default_locale: d.default_locale,
    variables: d.variables,
    priority: d.priority ?? null,
    ttl_seconds: d.ttl_seconds ?? null,
    is_active: d.is_active,
    restored_from: d.restored_from,
  };
}

/** A priority as given (`critical` read as `urgent`); null or absent: none. */
const priorityOf = (p: TemplatePriority | 'critical' | null | undefined) =>
  p == null ? null : p === 'critical' ? 'urgent' : p;

/** How a write in another API's shape marks the template (TemplateShape.name). */
export interface WriteOptions {
  shape?: string;
}

/** What the API answers for a template. */
export function templateView(o: StoredTemplate): TemplateView {
  return {
    id: o.id,
    key: o.key as string,
    tenant_id: o.tenant_id,
    ...contentView(o.data),
    version: o.version,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
  };
}

function versionView(v: TemplateVersionData, current: boolean): TemplateVersionView {
  return {
    template_id: v.template_id,
    key: v.key,
    version: v.version,
    current,
    ...contentView(v),
    created_at: iso(v.made_at),
  };
}

/** The current version, as a past one would be stored. */
function asVersion(o: StoredTemplate): TemplateVersionData {
  return {
    ...o.data,
    template_id: o.id,
    key: o.key as string,
    version: o.version,
    made_at: o.updated_at,
  };
}

function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

function checkKey(key: string): string {
  if (key.startsWith(`${TEMPLATE_OBJECT.idKind}_`)) {
    throw invalid('body.key', `must not start with ${TEMPLATE_OBJECT.idKind}_ (ids do)`);
  }
  return key;
}

/** What a render answers: which template (none for a draft), the locale, each channel. */
export interface RenderResult extends Rendering {
  template: {
    id: string | null;
    key: string | null;
    version: number | null;
    category: string | null;
  };
}

/**
 * Templates in the object store: their admin API (create, list, get, update, delete), their
 * versions (every change makes one; older ones are readable and can be made current again),
 * previews, and the renderer the send pipeline uses (`TemplateRenderer`).
 */
/** What the service emits as templates change. */
type TemplateEvent =
  | 'notification.template.created'
  | 'notification.template.updated'
  | 'notification.template.deleted';

export class TemplateService implements TemplateRenderer {
  /** Templates, each change keeping the version it replaces. */
  private readonly objects: VersionedRepository<TemplateData, TemplateVersionData>;
  /** Templates sends read, by tenant and id or key, for templates.lookup_cache_ms. */
  private readonly lookups = new Map<string, { at: number; template: StoredTemplate | null }>();

  constructor(
    store: ObjectStore,
    private readonly engine: TemplateEngine,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly emit: EventSink<TemplateEvent>,
    private readonly lookupCacheMs: number,
  ) {
    this.objects = new VersionedRepository(
      store,
      TEMPLATE_OBJECT,
      TEMPLATE_VERSION_OBJECT,
      clock,
      ids,
      asVersion,
    );
  }

  async create(
    caller: Caller,
    body: CreateTemplateBody,
    opts: WriteOptions = {},
  ): Promise<StoredTemplate> {
    const tenant = this.objects.targetTenant(caller, body.tenant_id);
    const data: TemplateData = {
      name: body.name,
      description: body.description ?? null,
      category: body.category ?? null,
      channels: normaliseChannels(body.channels),
      locales: body.locales ?? {},
      default_locale: body.default_locale ?? DEFAULT_LOCALE,
      variables: normaliseVariables(body.variables ?? []),
      priority: priorityOf(body.priority),
      ttl_seconds: body.ttl_seconds ?? null,
      is_active: body.is_active ?? true,
      restored_from: null,
      shape: opts.shape ?? null,
    };
    await checkContent(this.engine, data);
    const created = await this.objects.create(tenant, data, checkKey(body.key));
    this.changed(created, 'notification.template.created', caller);
    return created;
  }

  /** A page of the templates the caller sees, oldest first, filtered as asked. */
  list(caller: Caller, query: TemplateListQuery): Promise<Page<StoredTemplate>> {
    const { category, is_active, q, ...page } = query;
    if (category === undefined && is_active === undefined && q === undefined) {
      return this.objects.list(caller, page);
    }
    const needle = q?.toLowerCase();
    return this.objects.list(
      caller,
      page,
      (o) =>
        (category === undefined || o.data.category === category) &&
        (is_active === undefined || o.data.is_active === is_active) &&
        (needle === undefined ||
          (o.key as string).toLowerCase().includes(needle) ||
          o.data.name.toLowerCase().includes(needle)),
    );
  }

  /** A template by id or key, or 404 TEMPLATE_NOT_FOUND. */
  get(caller: Caller, idOrKey: string): Promise<StoredTemplate> {
    return this.objects.resolve(caller, idOrKey);
  }

  /** Changes the fields given, making a new version; the old one stays readable. */
  async update(
    caller: Caller,
    idOrKey: string,
    body: UpdateTemplateBody,
    opts: WriteOptions = {},
  ): Promise<StoredTemplate> {
    const { version, key, channels, variables, priority, ...rest } = body;
    const { id } = await this.objects.resolve(caller, idOrKey);
    const updated = await this.objects.update(
      caller,
      id,
      async (current) => {
        const data: TemplateData = {
          ...current.data,
          ...rest,
          ...(channels ? { channels: normaliseChannels(channels) } : {}),
          ...(variables ? { variables: normaliseVariables(variables) } : {}),
          ...(priority !== undefined ? { priority: priorityOf(priority) } : {}),
          ...(opts.shape ? { shape: opts.shape } : {}),
          restored_from: null,
        };
        await checkContent(this.engine, data);
        return { data, key: key === undefined ? current.key : checkKey(key) };
      },
      version,
    );
    this.changed(updated, 'notification.template.updated', caller);
    return updated;
  }

  /** Deletes a template and its past versions. */
  async remove(caller: Caller, idOrKey: string): Promise<StoredTemplate> {
    const { id } = await this.objects.resolve(caller, idOrKey);
    const removed = await this.objects.remove(caller, id);
    this.changed(removed, 'notification.template.deleted', caller);
    return removed;
  }

  /** A page of a template's versions, newest first. */
  async listVersions(
    caller: Caller,
    idOrKey: string,
    query: { page?: number; per_page?: number },
  ): Promise<Page<TemplateVersionView>> {
    return this.objects.versions(caller, idOrKey, query, versionView);
  }

  /** One version of a template, or 404 TEMPLATE_VERSION_NOT_FOUND. */
  async getVersion(caller: Caller, idOrKey: string, version: number): Promise<TemplateVersionView> {
    const current = await this.objects.resolve(caller, idOrKey);
    return versionView(await this.objects.past.get(current, version), version === current.version);
  }

  /**
   * Makes an older version current again (a rollback): its content becomes a new version,
   * active. With `expected`, only while the template is at that version.
   */
  async activate(
    caller: Caller,
    idOrKey: string,
    version: number,
    expected?: number,
  ): Promise<StoredTemplate> {
    const { id } = await this.objects.resolve(caller, idOrKey);
    const updated = await this.objects.update(
      caller,
      id,
      async (current) => {
        const old = await this.objects.past.get(current, version);
        const { template_id: _id, key: _key, version: _v, made_at: _at, ...content } = old;
        const data: TemplateData = { ...content, is_active: true, restored_from: version };
        return { data, key: current.key };
      },
      expected,
    );
    this.changed(updated, 'notification.template.updated', caller);
    return updated;
  }

  /** Renders a saved template (any version, active or not) with a payload: a preview. */
  async preview(caller: Caller, idOrKey: string, body: RenderBody): Promise<RenderResult> {
    const current = await this.objects.resolve(caller, idOrKey);
    const version = body.version ?? current.version;
    const content = await this.objects.past.get(current, version);
    const rendered = await renderContent(this.engine, content, body.payload ?? {}, body);
    return {
      template: { id: current.id, key: content.key, version, category: content.category },
      ...rendered,
    };
  }

  /** Renders a template that is not saved (checked as a save would check it first). */
  async renderDraft(body: RenderDraftBody): Promise<RenderResult> {
    const draft: DraftTemplate = body.template;
    const content: TemplateContent = {
      channels: normaliseChannels(draft.channels),
      locales: draft.locales ?? {},
      default_locale: draft.default_locale ?? DEFAULT_LOCALE,
      variables: normaliseVariables(draft.variables ?? []),
    };
    await checkContent(this.engine, content);
    const rendered = await renderContent(this.engine, content, body.payload ?? {}, body);
    return {
      template: {
        id: null,
        key: draft.key ?? null,
        version: null,
        category: draft.category ?? null,
      },
      ...rendered,
    };
  }

  /** The send pipeline's port: renders the tenant's (or a global) active template. */
  async render(
    tenantId: string,
    idOrKey: string,
    payload: Record<string, unknown>,
    options: { locale?: string | null; channels?: readonly Channel[] } = {},
  ): Promise<RenderedTemplate> {
    const template = await this.lookup(tenantId, idOrKey);
    if (!template.data.is_active) {
      throw new NotifydError('TEMPLATE_INACTIVE', undefined, {
        id: template.id,
        key: template.key,
      });
    }
    const rendered = await renderContent(this.engine, template.data, payload, options);
    return {
      template: {
        id: template.id,
        key: template.key as string,
        version: template.version,
        category: template.data.category,
        priority: template.data.priority ?? null,
        ttl_seconds: template.data.ttl_seconds ?? null,
      },
      channels: channelsOf(template.data),
      contents: rendered.contents,
    };
  }

  private async lookup(tenantId: string, idOrKey: string): Promise<StoredTemplate> {
    const cacheKey = `${tenantId}\u0000${idOrKey}`;
    const now = this.clock.now();
    const hit = this.lookups.get(cacheKey);
    let template: StoredTemplate | null;
    if (hit && now - hit.at < this.lookupCacheMs) template = hit.template;
    else {
      const caller: Caller = {
        key_id: 'notifyd',
        tenant_id: tenantId,
        tenant_bound: true,
        admin: false,
      };
      template = await this.objects.resolve(caller, idOrKey).catch((err: unknown) => {
        if (err instanceof NotifydError && err.code === 'TEMPLATE_NOT_FOUND') return null;
        throw err;
      });
      if (this.lookupCacheMs > 0) {
        if (this.lookups.size >= 10_000) this.lookups.clear();
        this.lookups.set(cacheKey, { at: now, template });
      }
    }
    if (!template) throw new NotifydError('TEMPLATE_NOT_FOUND', undefined, { id: idOrKey });
    return template;
  }

  private changed(o: StoredTemplate, type: TemplateEvent, caller: Caller): void {
    this.lookups.clear();
    this.emit(type, o.tenant_id, {
      template_id: o.id,
      key: o.key as string,
      version: o.version,
      is_active: o.data.is_active,
      actor: caller.key_id,
    });
  }
}
