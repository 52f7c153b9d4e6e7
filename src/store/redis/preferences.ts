import type { PreferenceStore, StoredPreferences } from '../../recipients/store.js';
import type { RedisHandle } from './handle.js';

/** Preferences in Redis: a hash per subscriber (data, updated_at). */
export class RedisPreferenceStore implements PreferenceStore {
  constructor(private readonly h: RedisHandle) {}

  get(tenantId: string, subscriberId: string) {
    return this.h.run(async (client) => {
      const h = await client.hgetall(this.h.names.name('pref', tenantId, subscriberId));
      return h.data === undefined
        ? null
        : { data: JSON.parse(h.data), updated_at: Number(h.updated_at) };
    });
  }

  getMany(tenantId: string, subscriberIds: string[]) {
    return this.h.run(async (client) => {
      const out = new Map<string, StoredPreferences>();
      const unique = [...new Set(subscriberIds)];
      if (unique.length === 0) return out;
      const pipeline = client.pipeline();
      for (const id of unique) pipeline.hgetall(this.h.names.name('pref', tenantId, id));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([err, reply], i) => {
        if (err) throw err;
        const h = reply as Record<string, string>;
        if (h.data !== undefined)
          out.set(unique[i] as string, {
            data: JSON.parse(h.data),
            updated_at: Number(h.updated_at),
          });
      });
      return out;
    });
  }

  put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    return this.h.run(async (client) => {
      await client.hset(this.h.names.name('pref', tenantId, subscriberId), {
        data: JSON.stringify(prefs.data),
        updated_at: String(prefs.updated_at),
      });
    });
  }

  remove(tenantId: string, subscriberId: string) {
    return this.h.run(
      async (client) => (await client.del(this.h.names.name('pref', tenantId, subscriberId))) > 0,
    );
  }
}
