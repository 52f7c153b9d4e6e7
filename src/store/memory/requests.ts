import {
  isAfter,
  matchesRequest,
  newestFirst,
  type RequestPage,
  type RequestQuery,
  type SendRequestRecord,
} from '../../notifications/request-records.js';
import type { SendRequestStore } from '../types.js';
import type { OpenState } from './open-state.js';

/** Send requests in memory, by tenant and id; a list scans the tenant's (tests, throw-away runs). */
export class MemoryRequestStore implements SendRequestStore {
  private readonly byTenant = new Map<string, Map<string, SendRequestRecord>>();

  constructor(private readonly state: OpenState) {}

  async put(record: SendRequestRecord): Promise<void> {
    this.state.check();
    this.store(record);
  }

  /** Keeps a copy of the record (the notification store writes a single send's here). */
  store(record: SendRequestRecord): void {
    let requests = this.byTenant.get(record.tenant_id);
    if (!requests) {
      requests = new Map();
      this.byTenant.set(record.tenant_id, requests);
    }
    requests.set(record.id, structuredClone(record));
  }

  async get(tenantId: string, id: string): Promise<SendRequestRecord | null> {
    this.state.check();
    const found = this.byTenant.get(tenantId)?.get(id);
    return found ? structuredClone(found) : null;
  }

  async list(query: RequestQuery): Promise<RequestPage> {
    this.state.check();
    const matching = [...(this.byTenant.get(query.tenant_id)?.values() ?? [])]
      .filter((r) => matchesRequest(r, query) && (!query.after || isAfter(r, query.after)))
      .sort(newestFirst);
    const items = matching.slice(0, query.limit).map((r) => structuredClone(r));
    const last = items.at(-1);
    return {
      items,
      next:
        matching.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null,
    };
  }

  async purgeBefore(before: number, limit: number): Promise<number> {
    this.state.check();
    let purged = 0;
    for (const requests of this.byTenant.values()) {
      for (const [id, r] of requests) {
        if (purged >= limit) return purged;
        if (r.created_at < before) {
          requests.delete(id);
          purged++;
        }
      }
    }
    return purged;
  }
}
