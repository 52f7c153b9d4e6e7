import type {
  RequestPage,
  RequestPosition,
  RequestQuery,
  SendRequestRecord,
} from '../../notifications/request-records.js';
import type { SendRequestStore } from '../types.js';
import type { RedisHandle } from './handle.js';
import { LIST_REQUESTS } from './lua/requests/list-requests.js';
import { PURGE_REQUESTS } from './lua/requests/purge-requests.js';
import { PUT_REQUEST } from './lua/requests/put-request.js';

/** Most index entries one list call reads (a narrow status or type filter may match few). */
export const REQUEST_SCAN_MAX = 1000;
/** How many requests one purge script forgets before the next is sent. */
const PURGE_CHUNK = 500;

/** A place as the indexes sort it: created_at padded to 15 digits, `:`, the id. */
const sortKey = (p: RequestPosition) => `${String(p.created_at).padStart(15, '0')}:${p.id}`;
const positionOf = (sk: string): RequestPosition => ({
  created_at: Number(sk.slice(0, 15)),
  id: sk.slice(16),
});

/** The arguments of put_request (lua/requests/put-request.ts) for a record. */
export function requestArgs(r: SendRequestRecord): string[] {
  return [
    r.tenant_id,
    r.id,
    JSON.stringify(r),
    sortKey(r),
    r.recipient_id ?? '',
    r.topic ?? '',
    String(r.created_at),
    JSON.stringify([r.tenant_id, r.id]),
  ];
}

/**
 * Send requests in Redis (lua/requests/put-request.ts has the model): a hash per request and
 * sorted sets of sort keys per tenant, recipient and topic, walked newest first. A status or
 * type filter is applied while walking, at most REQUEST_SCAN_MAX entries a call.
 */
export class RedisRequestStore implements SendRequestStore {
  constructor(private readonly h: RedisHandle) {}

  put(r: SendRequestRecord): Promise<void> {
    let args: string[];
    try {
      args = requestArgs(r);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.h.run(async () => {
      await this.h.script(PUT_REQUEST, args);
    });
  }

  get(tenantId: string, id: string): Promise<SendRequestRecord | null> {
    return this.h.run(async (client) => {
      const json = await client.hget(this.h.names.name('rq', tenantId, id), 'json');
      return json ? (JSON.parse(json) as SendRequestRecord) : null;
    });
  }

  list(q: RequestQuery): Promise<RequestPage> {
    const [which, part] =
      q.recipient_id !== undefined
        ? ['r', q.recipient_id]
        : q.topic !== undefined
          ? ['t', q.topic]
          : ['s', ''];
    // The upper bound is the lower of the cursor and created_before; both exclusive.
    const uppers = [
      ...(q.after ? [sortKey(q.after)] : []),
      ...(q.created_before !== undefined ? [String(q.created_before).padStart(15, '0')] : []),
    ].sort();
    const max = uppers.length > 0 ? `(${uppers[0]}` : '+';
    const min =
      q.created_after !== undefined ? `[${String(q.created_after).padStart(15, '0')}` : '-';
    const type = q.type ?? '';
    const args = [
      q.tenant_id,
      which,
      part,
      max,
      min,
      q.status ?? '',
      type,
      q.limit,
      REQUEST_SCAN_MAX,
    ];
    return this.h.run(async () => {
      const reply = (await this.h.script(LIST_REQUESTS, args)) as string[];
      const next = reply.pop() as string;
      // A recipient's index holds single sends only, which have no topic.
      const items =
        q.recipient_id !== undefined && q.topic !== undefined
          ? []
          : reply.map((json) => JSON.parse(json) as SendRequestRecord);
      return { items, next: next === '' ? null : positionOf(next) };
    });
  }

  purgeBefore(before: number, limit: number): Promise<number> {
    return this.h.run(async () => {
      let purged = 0;
      while (purged < limit) {
        const chunk = Math.min(PURGE_CHUNK, limit - purged);
        const n = (await this.h.script(PURGE_REQUESTS, [before, chunk])) as number;
        purged += n;
        if (n < chunk) break;
      }
      return purged;
    });
  }
}
