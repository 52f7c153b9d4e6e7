import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/catalogue.js';
import type { DeviceView, RegisterDeviceBody, UpdateDeviceBody } from './schemas.js';
import type { DeviceChange, DeviceRecord, DeviceStore } from './store.js';
import { checkBase64Url, checkEndpoint, invalid } from './validation.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function deviceView(d: DeviceRecord): DeviceView {
  return {
    id: d.id,
    subscriber_id: d.subscriber_id,
    kind: d.kind,
    endpoint: d.endpoint,
    keys: d.keys,
    token: d.token,
    device_info: d.info,
    active: d.active,
    last_used_at: d.last_used_at === null ? null : iso(d.last_used_at),
    failure_count: d.failure_count,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  };
}

/** A web push subscription's keys: an uncompressed P-256 point and a 16-byte secret. */
function checkKeys(keys: { p256dh: string; auth: string }, field: string) {
  checkBase64Url(keys.p256dh, 65, `${field}.p256dh`);
  if (Buffer.from(keys.p256dh, 'base64url')[0] !== 0x04) {
    throw invalid(`${field}.p256dh`, 'must be an uncompressed P-256 public key (0x04 first)');
  }
  checkBase64Url(keys.auth, 16, `${field}.auth`);
  return { p256dh: keys.p256dh, auth: keys.auth };
}

/** APNs device tokens are hex; FCM tokens are printable text without spaces. */
const APNS_TOKEN = /^[0-9A-Fa-f]{64,200}$/;
const FCM_TOKEN = /^[\x21-\x7e]+$/;

type DeviceEvents = 'notification.device.registered' | 'notification.device.unregistered';

/** Subscribers' push addresses: web push subscriptions, FCM and APNs tokens. */
export class DeviceService {
  constructor(
    private readonly store: DeviceStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly emit: EventSink<DeviceEvents>,
    private readonly logger: Logger,
  ) {}

  /** Registers an address for a subscriber; the same address again updates it. */
  async register(tenantId: string, subscriberId: string, body: RegisterDeviceBody) {
    const now = this.clock.now();
    const base = { endpoint: null, keys: null, token: null } as Pick<
      DeviceRecord,
      'endpoint' | 'keys' | 'token'
    >;
    if (body.kind === 'webpush') {
      if (body.endpoint === undefined) throw invalid('body.endpoint', 'is required for webpush');
      if (body.keys === undefined) throw invalid('body.keys', 'is required for webpush');
      if (body.token !== undefined) throw invalid('body.token', 'is not used by webpush');
      base.endpoint = checkEndpoint(body.endpoint, 'body.endpoint');
      base.keys = checkKeys(body.keys, 'body.keys');
    } else {
      if (body.token === undefined) throw invalid('body.token', `is required for ${body.kind}`);
      if (body.endpoint !== undefined || body.keys !== undefined) {
        throw invalid('body', `${body.kind} takes a token, not an endpoint or keys`);
      }
      const ok = body.kind === 'apns' ? APNS_TOKEN : FCM_TOKEN;
      if (!ok.test(body.token)) {
        throw invalid(
          'body.token',
          `is not a valid ${body.kind === 'apns' ? 'APNs (hex)' : 'FCM'} token`,
        );
      }
      base.token = body.token;
    }
    const { device, created } = await this.store.register({
      id: this.ids('dev'),
      tenant_id: tenantId,
      subscriber_id: subscriberId,
      kind: body.kind,
      ...base,
      info: body.device_info ?? null,
      active: true,
      last_used_at: null,
      failure_count: 0,
      created_at: now,
      updated_at: now,
    });
    this.emit('notification.device.registered', tenantId, {
      subscriber_id: subscriberId,
      device_id: device.id,
      kind: device.kind,
      created,
    });
    return { device, created };
  }

  list(tenantId: string, subscriberId: string): Promise<DeviceRecord[]> {
    return this.store.list(tenantId, subscriberId);
  }

  /** Every device of these subscribers, with one read. */
  listMany(tenantId: string, subscriberIds: string[]): Promise<DeviceRecord[]> {
    return this.store.listMany(tenantId, subscriberIds);
  }

  /** The subscriber's device, or 404 DEVICE_NOT_FOUND (also when it is someone else's). */
  async get(tenantId: string, subscriberId: string, id: string): Promise<DeviceRecord> {
    const found = await this.store.get(tenantId, id);
    if (!found || found.subscriber_id !== subscriberId) {
      throw new NotifydError('DEVICE_NOT_FOUND', undefined, { id });
    }
    return found;
  }

  async update(tenantId: string, subscriberId: string, id: string, body: UpdateDeviceBody) {
    const current = await this.get(tenantId, subscriberId, id);
    const change: DeviceChange = {};
    if (body.active !== undefined) change.active = body.active;
    if (body.active === true) change.failure_count = 0;
    if (body.device_info !== undefined) change.info = body.device_info;
    if (body.keys !== undefined) {
      if (current.kind !== 'webpush') throw invalid('body.keys', 'only a webpush device has keys');
      change.keys = checkKeys(body.keys, 'body.keys');
    }
    const updated = await this.store.update(tenantId, id, change, this.clock.now());
    if (!updated) throw new NotifydError('DEVICE_NOT_FOUND', undefined, { id });
    return updated;
  }

  async remove(tenantId: string, subscriberId: string, id: string): Promise<void> {
    const current = await this.get(tenantId, subscriberId, id);
    if (!(await this.store.remove(tenantId, id))) {
      throw new NotifydError('DEVICE_NOT_FOUND', undefined, { id });
    }
    this.unregistered(current, 'deleted');
  }

  /** After a provider said the address is gone: inactive, one more failure. */
  async deactivate(tenantId: string, id: string, reason: string): Promise<void> {
    const current = await this.store.get(tenantId, id);
    if (!current) return;
    await this.store.update(
      tenantId,
      id,
      { active: false, failure_count: current.failure_count + 1 },
      this.clock.now(),
    );
    this.logger.info({ device_id: id, kind: current.kind, reason }, 'device deactivated');
    if (current.active) this.unregistered(current, reason);
  }

  private unregistered(d: DeviceRecord, reason: string): void {
    this.emit('notification.device.unregistered', d.tenant_id, {
      subscriber_id: d.subscriber_id,
      device_id: d.id,
      kind: d.kind,
      reason,
    });
  }
}
