import {
  type DeviceChange,
  type DeviceRecord,
  type DeviceStore,
  deviceAddress,
} from '../../recipients/store.js';
import { jsonOrNull as json } from '../recipient-fields.js';
import type { SqliteHandle } from './handle.js';
import { allInChunks, deleteOfSubscriber, prep, type Row } from './prepared.js';
import { toDevice } from './recipient-rows.js';

/** Devices in SQLite; (tenant, address) is unique. */
export class SqliteDeviceStore implements DeviceStore {
  private readonly registerTx: (d: DeviceRecord) => { device: DeviceRecord; created: boolean };

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    const byAddress = db.prepare('SELECT id FROM devices WHERE tenant_id = ? AND address = ?');
    const insert = db.prepare(
      `INSERT INTO devices (id, tenant_id, subscriber_id, kind, address, endpoint, keys, token,
       info, active, last_used_at, failure_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const reuse = db.prepare(
      `UPDATE devices SET subscriber_id = ?, keys = ?, info = ?, active = 1, failure_count = 0,
       updated_at = ? WHERE id = ?`,
    );
    const byId = db.prepare('SELECT * FROM devices WHERE id = ?');
    this.registerTx = db.transaction((d: DeviceRecord) => {
      const address = deviceAddress(d);
      const known = byAddress.get(d.tenant_id, address) as { id: string } | undefined;
      if (known) {
        reuse.run(d.subscriber_id, json(d.keys), json(d.info), d.updated_at, known.id);
        return { device: toDevice(byId.get(known.id) as Row), created: false };
      }
      insert.run(
        d.id,
        d.tenant_id,
        d.subscriber_id,
        d.kind,
        address,
        d.endpoint,
        json(d.keys),
        d.token,
        json(d.info),
        d.active ? 1 : 0,
        d.last_used_at,
        d.failure_count,
        d.created_at,
        d.updated_at,
      );
      return { device: toDevice(byId.get(d.id) as Row), created: true };
    });
  }

  register(device: DeviceRecord) {
    return this.h.run(() => this.registerTx(device));
  }

  get(tenantId: string, id: string) {
    return this.h.run(() => this.one(tenantId, id));
  }

  listMany(tenantId: string, subscriberIds: string[]) {
    return this.h.run(() => {
      const unique = [...new Set(subscriberIds)];
      const bySubscriber = new Map<string, DeviceRecord[]>();
      const rows = allInChunks<Row>(
        this.h,
        tenantId,
        unique,
        (marks) => `SELECT * FROM devices WHERE tenant_id = ? AND subscriber_id IN (${marks})
           ORDER BY created_at, id`,
      );
      for (const r of rows) {
        const d = toDevice(r);
        bySubscriber.set(d.subscriber_id, [...(bySubscriber.get(d.subscriber_id) ?? []), d]);
      }
      return unique.flatMap((id) => bySubscriber.get(id) ?? []);
    });
  }

  list(tenantId: string, subscriberId: string) {
    return this.h.run(() =>
      (
        prep(
          this.h,
          'SELECT * FROM devices WHERE tenant_id = ? AND subscriber_id = ? ORDER BY created_at, id',
        ).all(tenantId, subscriberId) as Row[]
      ).map(toDevice),
    );
  }

  update(tenantId: string, id: string, change: DeviceChange, at: number) {
    return this.h.run(() => {
      const sets: string[] = ['updated_at = ?'];
      const params: unknown[] = [at];
      for (const [field, value] of Object.entries(change)) {
        if (value === undefined) continue;
        sets.push(`${field} = ?`);
        params.push(
          field === 'keys' || field === 'info'
            ? json(value)
            : field === 'active'
              ? value
                ? 1
                : 0
              : value,
        );
      }
      const done = prep(
        this.h,
        `UPDATE devices SET ${sets.join(', ')} WHERE id = ? AND tenant_id = ?`,
      ).run(...params, id, tenantId);
      return done.changes > 0 ? this.one(tenantId, id) : null;
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(() => {
      const found = this.one(tenantId, id);
      if (found) prep(this.h, 'DELETE FROM devices WHERE id = ?').run(id);
      return found;
    });
  }

  removeAll(tenantId: string, subscriberId: string) {
    return this.h.run(() => deleteOfSubscriber(this.h, 'devices', tenantId, subscriberId));
  }

  private one(tenantId: string, id: string): DeviceRecord | null {
    const row = prep(this.h, 'SELECT * FROM devices WHERE id = ? AND tenant_id = ?').get(
      id,
      tenantId,
    ) as Row | undefined;
    return row ? toDevice(row) : null;
  }
}
