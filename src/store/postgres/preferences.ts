import type { PreferenceStore, StoredPreferences } from '../../recipients/store.js';
import type { PostgresHandle } from './handle.js';

/** Preferences in PostgreSQL: one JSON document per subscriber. */
export class PostgresPreferenceStore implements PreferenceStore {
  private readonly p: string;

  constructor(private readonly h: PostgresHandle) {
    this.p = h.t.preferences;
  }

  async get(tenantId: string, subscriberId: string) {
    const { rows } = await this.h.query<StoredPreferences>(
      `SELECT data, updated_at FROM ${this.p} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rows[0] ?? null;
  }

  async getMany(tenantId: string, subscriberIds: string[]) {
    const out = new Map<string, StoredPreferences>();
    if (subscriberIds.length === 0) return out;
    const { rows } = await this.h.query<StoredPreferences & { subscriber_id: string }>(
      `SELECT subscriber_id, data, updated_at FROM ${this.p}
       WHERE tenant_id = $1 AND subscriber_id = ANY($2)`,
      [tenantId, [...new Set(subscriberIds)]],
    );
    for (const { subscriber_id, ...prefs } of rows) out.set(subscriber_id, prefs);
    return out;
  }

  async put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    await this.h.query(
      `INSERT INTO ${this.p} (tenant_id, subscriber_id, data, updated_at)
       VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (tenant_id, subscriber_id) DO UPDATE SET data = EXCLUDED.data,
       updated_at = EXCLUDED.updated_at`,
      [tenantId, subscriberId, JSON.stringify(prefs.data), prefs.updated_at],
    );
  }

  async remove(tenantId: string, subscriberId: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.p} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rowCount > 0;
  }
}
