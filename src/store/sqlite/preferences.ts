import type { PreferenceStore, StoredPreferences } from '../../recipients/store.js';
import type { SqliteHandle } from './handle.js';
import { allInChunks, deleteOfSubscriber, prep } from './prepared.js';

/** Preferences in SQLite: one JSON document per subscriber. */
export class SqlitePreferenceStore implements PreferenceStore {
  constructor(private readonly h: SqliteHandle) {}

  get(tenantId: string, subscriberId: string) {
    return this.h.run(() => {
      const row = prep(
        this.h,
        'SELECT data, updated_at FROM preferences WHERE tenant_id = ? AND subscriber_id = ?',
      ).get(tenantId, subscriberId) as { data: string; updated_at: number } | undefined;
      return row ? { data: JSON.parse(row.data), updated_at: row.updated_at } : null;
    });
  }

  getMany(tenantId: string, subscriberIds: string[]) {
    return this.h.run(() => {
      const unique = [...new Set(subscriberIds)];
      const out = new Map<string, StoredPreferences>();
      const rows = allInChunks<{ subscriber_id: string; data: string; updated_at: number }>(
        this.h,
        tenantId,
        unique,
        (marks) => `SELECT subscriber_id, data, updated_at FROM preferences
           WHERE tenant_id = ? AND subscriber_id IN (${marks})`,
      );
      for (const r of rows)
        out.set(r.subscriber_id, { data: JSON.parse(r.data), updated_at: r.updated_at });
      return out;
    });
  }

  put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    return this.h.run(() => {
      prep(
        this.h,
        `INSERT INTO preferences (tenant_id, subscriber_id, data, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (tenant_id, subscriber_id) DO UPDATE SET data = excluded.data,
           updated_at = excluded.updated_at`,
      ).run(tenantId, subscriberId, JSON.stringify(prefs.data), prefs.updated_at);
    });
  }

  remove(tenantId: string, subscriberId: string) {
    return this.h.run(() => deleteOfSubscriber(this.h, 'preferences', tenantId, subscriberId) > 0);
  }
}
