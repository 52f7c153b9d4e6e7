import {
  type DeviceChange,
  type DeviceRecord,
  type DeviceStore,
  deviceAddress,
} from '../../recipients/store.js';
import { joinKey as key } from './maps.js';
import type { OpenState } from './open-state.js';

/** Devices in memory, with an index of addresses per tenant. */
export class MemoryDeviceStore implements DeviceStore {
  private readonly byId = new Map<string, DeviceRecord>();
  private readonly byAddress = new Map<string, string>();

  constructor(private readonly state: OpenState) {}

  async register(device: DeviceRecord) {
    this.state.check();
    const address = key(device.tenant_id, deviceAddress(device));
    const knownId = this.byAddress.get(address);
    const known = knownId === undefined ? undefined : this.byId.get(knownId);
    if (known) {
      Object.assign(known, {
        subscriber_id: device.subscriber_id,
        keys: structuredClone(device.keys),
        info: structuredClone(device.info),
        active: true,
        failure_count: 0,
        updated_at: device.updated_at,
      });
      return { device: structuredClone(known), created: false };
    }
    const copy = structuredClone(device);
    this.byId.set(copy.id, copy);
    this.byAddress.set(address, copy.id);
    return { device: structuredClone(copy), created: true };
  }

  async get(tenantId: string, id: string) {
    this.state.check();
    const d = this.byId.get(id);
    return d && d.tenant_id === tenantId ? structuredClone(d) : null;
  }

  async list(tenantId: string, subscriberId: string) {
    this.state.check();
    return [...this.byId.values()]
      .filter((d) => d.tenant_id === tenantId && d.subscriber_id === subscriberId)
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map((d) => structuredClone(d));
  }

  async listMany(tenantId: string, subscriberIds: string[]) {
    const out: DeviceRecord[] = [];
    for (const id of new Set(subscriberIds)) out.push(...(await this.list(tenantId, id)));
    return out;
  }

  async update(tenantId: string, id: string, change: DeviceChange, at: number) {
    this.state.check();
    const d = this.byId.get(id);
    if (!d || d.tenant_id !== tenantId) return null;
    for (const [field, value] of Object.entries(change)) {
      if (value !== undefined)
        (d as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
    d.updated_at = at;
    return structuredClone(d);
  }

  async remove(tenantId: string, id: string) {
    this.state.check();
    const d = this.byId.get(id);
    if (!d || d.tenant_id !== tenantId) return null;
    this.byId.delete(id);
    this.byAddress.delete(key(tenantId, deviceAddress(d)));
    return d;
  }

  async removeAll(tenantId: string, subscriberId: string) {
    let n = 0;
    for (const d of await this.list(tenantId, subscriberId)) {
      if (await this.remove(tenantId, d.id)) n++;
    }
    return n;
  }
}
