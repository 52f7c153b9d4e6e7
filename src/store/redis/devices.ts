import {
  type DeviceChange,
  type DeviceRecord,
  type DeviceStore,
  deviceAddress,
} from '../../recipients/store.js';
import type { RedisHandle } from './handle.js';
import {
  LIST_DEVICES,
  LIST_DEVICES_MANY,
  REGISTER_DEVICE,
  REMOVE_DEVICE,
  REMOVE_DEVICES,
  UPDATE_DEVICE,
} from './lua/recipients.js';
import { deviceFields, toDevice } from './recipient-hashes.js';
import { type FlatHash, hashOf } from './records.js';

/** Devices in Redis: a hash each, an address index per tenant, a list per subscriber. */
export class RedisDeviceStore implements DeviceStore {
  constructor(private readonly h: RedisHandle) {}

  register(d: DeviceRecord) {
    const args = [
      d.tenant_id,
      deviceAddress(d),
      d.id,
      d.subscriber_id,
      d.created_at,
      d.updated_at,
      d.keys === null ? '' : JSON.stringify(d.keys),
      d.info === null ? '' : JSON.stringify(d.info),
      ...deviceFields(d),
    ];
    return this.h.run(async () => {
      const [created, flat] = (await this.h.script(REGISTER_DEVICE, args)) as [number, FlatHash];
      return { device: toDevice(hashOf(flat)), created: created === 1 };
    });
  }

  get(tenantId: string, id: string) {
    return this.h.run(async (client) => {
      const h = await client.hgetall(this.h.names.name('dev', id));
      return h.tenant_id === tenantId ? toDevice(h) : null;
    });
  }

  list(tenantId: string, subscriberId: string) {
    return this.h.run(async () =>
      ((await this.h.script(LIST_DEVICES, [tenantId, subscriberId])) as FlatHash[]).map((r) =>
        toDevice(hashOf(r)),
      ),
    );
  }

  listMany(tenantId: string, subscriberIds: string[]) {
    const unique = [...new Set(subscriberIds)];
    return this.h.run(async () => {
      if (unique.length === 0) return [];
      return ((await this.h.script(LIST_DEVICES_MANY, [tenantId, ...unique])) as FlatHash[]).map(
        (r) => toDevice(hashOf(r)),
      );
    });
  }

  update(tenantId: string, id: string, change: DeviceChange, at: number) {
    const fields: Record<string, string | null> = {};
    for (const [f, v] of Object.entries(change)) {
      if (v === undefined) continue;
      fields[f] =
        v === null
          ? null
          : f === 'keys' || f === 'info'
            ? JSON.stringify(v)
            : f === 'active'
              ? v
                ? '1'
                : '0'
              : String(v);
    }
    return this.h.run(async () => {
      const flat = (await this.h.script(UPDATE_DEVICE, [
        tenantId,
        id,
        at,
        JSON.stringify(fields),
      ])) as FlatHash;
      return flat.length ? toDevice(hashOf(flat)) : null;
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(async () => {
      const flat = (await this.h.script(REMOVE_DEVICE, [tenantId, id])) as FlatHash;
      return flat.length ? toDevice(hashOf(flat)) : null;
    });
  }

  removeAll(tenantId: string, subscriberId: string) {
    return this.h.run(
      async () => (await this.h.script(REMOVE_DEVICES, [tenantId, subscriberId])) as number,
    );
  }
}
