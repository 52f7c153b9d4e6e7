import type { PreferenceStore, StoredPreferences } from '../../recipients/store.js';
import { joinKey as key } from './maps.js';
import type { OpenState } from './open-state.js';

/** Preferences in memory, by tenant and subscriber. */
export class MemoryPreferenceStore implements PreferenceStore {
  private readonly docs = new Map<string, StoredPreferences>();

  constructor(private readonly state: OpenState) {}

  async get(tenantId: string, subscriberId: string) {
    this.state.check();
    const doc = this.docs.get(key(tenantId, subscriberId));
    return doc ? structuredClone(doc) : null;
  }

  async getMany(tenantId: string, subscriberIds: string[]) {
    this.state.check();
    const out = new Map<string, StoredPreferences>();
    for (const id of subscriberIds) {
      const doc = this.docs.get(key(tenantId, id));
      if (doc) out.set(id, structuredClone(doc));
    }
    return out;
  }

  async put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    this.state.check();
    this.docs.set(key(tenantId, subscriberId), structuredClone(prefs));
  }

  async remove(tenantId: string, subscriberId: string) {
    this.state.check();
    return this.docs.delete(key(tenantId, subscriberId));
  }
}
