import type { Subscriber } from '../../notifications/ports.js';
import { type DeviceRecord, deviceAddress } from '../../recipients/store.js';

const text = (h: Record<string, string>, f: string) => h[f] ?? null;
const num = (h: Record<string, string>, f: string) => (h[f] === undefined ? null : Number(h[f]));
const parsed = (h: Record<string, string>, f: string) =>
  h[f] === undefined ? null : JSON.parse(h[f]);

/** A subscriber from its hash. */
export function toSubscriber(h: Record<string, string>): Subscriber {
  return {
    id: h.id,
    tenant_id: h.tenant_id,
    email: text(h, 'email'),
    phone: text(h, 'phone'),
    locale: text(h, 'locale'),
    timezone: text(h, 'timezone'),
    name: text(h, 'name'),
    avatar_url: text(h, 'avatar_url'),
    data: parsed(h, 'data'),
    created_at: Number(h.created_at),
    updated_at: Number(h.updated_at),
  };
}

/** A device from its hash. */
export function toDevice(h: Record<string, string>): DeviceRecord {
  return {
    id: h.id,
    tenant_id: h.tenant_id,
    subscriber_id: h.subscriber_id,
    kind: h.kind as DeviceRecord['kind'],
    endpoint: text(h, 'endpoint'),
    keys: parsed(h, 'keys'),
    token: text(h, 'token'),
    info: parsed(h, 'info'),
    active: h.active === '1',
    last_used_at: num(h, 'last_used_at'),
    failure_count: Number(h.failure_count),
    created_at: Number(h.created_at),
    updated_at: Number(h.updated_at),
  };
}

/** A device's hash fields, as HSET takes them. */
export function deviceFields(d: DeviceRecord): string[] {
  const out: string[] = [];
  const put = (f: string, v: string | number | null) => {
    if (v !== null) out.push(f, String(v));
  };
  put('id', d.id);
  put('tenant_id', d.tenant_id);
  put('subscriber_id', d.subscriber_id);
  put('kind', d.kind);
  put('address', deviceAddress(d));
  put('endpoint', d.endpoint);
  put('keys', d.keys === null ? null : JSON.stringify(d.keys));
  put('token', d.token);
  put('info', d.info === null ? null : JSON.stringify(d.info));
  put('active', d.active ? 1 : 0);
  put('last_used_at', d.last_used_at);
  put('failure_count', d.failure_count);
  put('created_at', d.created_at);
  put('updated_at', d.updated_at);
  return out;
}
