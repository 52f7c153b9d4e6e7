import {
  type DeviceChange,
  type DeviceRecord,
  type DeviceStore,
  deviceAddress,
} from '../../recipients/store.js';
import { jsonOrNull as json } from '../recipient-fields.js';
import type { Param, PostgresHandle } from './handle.js';

const DEVICE_COLUMNS =
  'id, tenant_id, subscriber_id, kind, endpoint, keys, token, info, active, last_used_at, failure_count, created_at, updated_at';

/** Devices in PostgreSQL; (tenant, address) is unique. */
export class PostgresDeviceStore implements DeviceStore {
  private readonly d: string;

  constructor(private readonly h: PostgresHandle) {
    this.d = h.t.devices;
  }

  async register(device: DeviceRecord) {
    const { rows } = await this.h.query<DeviceRecord & { created: boolean }>(
      `INSERT INTO ${this.d} AS d (id, tenant_id, subscriber_id, kind, address, endpoint, keys,
         token, info, active, last_used_at, failure_count, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14)
       ON CONFLICT (tenant_id, address) DO UPDATE SET subscriber_id = EXCLUDED.subscriber_id,
         keys = EXCLUDED.keys, info = EXCLUDED.info, active = true, failure_count = 0,
         updated_at = EXCLUDED.updated_at
       RETURNING ${DEVICE_COLUMNS}, (xmax = 0) AS created`,
      [
        device.id,
        device.tenant_id,
        device.subscriber_id,
        device.kind,
        deviceAddress(device),
        device.endpoint,
        json(device.keys),
        device.token,
        json(device.info),
        device.active,
        device.last_used_at,
        device.failure_count,
        device.created_at,
        device.updated_at,
      ],
    );
    const { created, ...stored } = rows[0];
    return { device: stored, created };
  }

  async get(tenantId: string, id: string) {
    const { rows } = await this.h.query<DeviceRecord>(
      `SELECT ${DEVICE_COLUMNS} FROM ${this.d} WHERE id = $1 AND tenant_id = $2`,
      [id, tenantId],
    );
    return rows[0] ?? null;
  }

  async list(tenantId: string, subscriberId: string) {
    const { rows } = await this.h.query<DeviceRecord>(
      `SELECT ${DEVICE_COLUMNS} FROM ${this.d} WHERE tenant_id = $1 AND subscriber_id = $2
       ORDER BY created_at, id`,
      [tenantId, subscriberId],
    );
    return rows;
  }

  async listMany(tenantId: string, subscriberIds: string[]) {
    const unique = [...new Set(subscriberIds)];
    if (unique.length === 0) return [];
    const { rows } = await this.h.query<DeviceRecord>(
      `SELECT ${DEVICE_COLUMNS} FROM ${this.d} WHERE tenant_id = $1 AND subscriber_id = ANY($2)
       ORDER BY created_at, id`,
      [tenantId, unique],
    );
    const bySubscriber = new Map<string, DeviceRecord[]>();
    for (const d of rows)
      bySubscriber.set(d.subscriber_id, [...(bySubscriber.get(d.subscriber_id) ?? []), d]);
    return unique.flatMap((id) => bySubscriber.get(id) ?? []);
  }

  async update(tenantId: string, id: string, change: DeviceChange, at: number) {
    const params: Param[] = [id, tenantId, at];
    const sets = ['updated_at = $3'];
    for (const [field, value] of Object.entries(change)) {
      if (value === undefined) continue;
      const isJson = field === 'keys' || field === 'info';
      params.push(isJson ? json(value) : (value as Param));
      sets.push(`${field} = $${params.length}${isJson ? '::jsonb' : ''}`);
    }
    const { rows } = await this.h.query<DeviceRecord>(
      `UPDATE ${this.d} SET ${sets.join(', ')} WHERE id = $1 AND tenant_id = $2
       RETURNING ${DEVICE_COLUMNS}`,
      params,
    );
    return rows[0] ?? null;
  }

  async remove(tenantId: string, id: string) {
    const { rows } = await this.h.query<DeviceRecord>(
      `DELETE FROM ${this.d} WHERE id = $1 AND tenant_id = $2 RETURNING ${DEVICE_COLUMNS}`,
      [id, tenantId],
    );
    return rows[0] ?? null;
  }

  async removeAll(tenantId: string, subscriberId: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.d} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rowCount;
  }
}
