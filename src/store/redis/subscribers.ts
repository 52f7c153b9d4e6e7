import type { Redis } from 'ioredis';
import type { SubscriberInput } from '../../notifications/ports.js';
import { emailKey, type SubscriberStore } from '../../recipients/store.js';
import { SUBSCRIBER_FIELDS as FIELDS } from '../recipient-fields.js';
import type { RedisHandle } from './handle.js';
import { LIST_SUBSCRIBERS, REMOVE_SUBSCRIBER, UPSERT_SUBSCRIBER } from './lua/recipients.js';
import { toSubscriber } from './recipient-hashes.js';
import { type FlatHash, hashOf } from './records.js';

/** Subscribers in Redis: a hash each, an id index per tenant and one per email. */
export class RedisSubscriberStore implements SubscriberStore {
  constructor(private readonly h: RedisHandle) {}

  upsert(tenantId: string, input: SubscriberInput, at: number) {
    const given: Record<string, string | null> = {};
    for (const f of FIELDS) {
      const v = input[f];
      if (v === undefined) continue;
      given[f] = v === null ? null : f === 'data' ? JSON.stringify(v) : (v as string);
    }
    const emailGiven = input.email !== undefined;
    const args = [
      tenantId,
      input.id,
      at,
      JSON.stringify(given),
      emailGiven ? 1 : 0,
      emailGiven ? (emailKey(input.email ?? null) ?? '') : '',
    ];
    return this.h.run(async () => {
      const [created, flat] = (await this.h.script(UPSERT_SUBSCRIBER, args)) as [number, FlatHash];
      return { subscriber: toSubscriber(hashOf(flat)), created: created === 1 };
    });
  }

  get(tenantId: string, id: string) {
    return this.h.run(async (client) => {
      const h = await client.hgetall(this.h.names.name('sub', tenantId, id));
      return h.id === undefined ? null : toSubscriber(h);
    });
  }

  getMany(tenantId: string, ids: string[]) {
    return this.h.run(async (client) => {
      const { replies } = await this.eachOnce(client, tenantId, ids, 'hgetall');
      return replies.flatMap(([err, h]) => {
        if (err) throw err;
        const hash = h as Record<string, string>;
        return hash.id === undefined ? [] : [toSubscriber(hash)];
      });
    });
  }

  existing(tenantId: string, ids: string[]) {
    return this.h.run(async (client) => {
      const { unique, replies } = await this.eachOnce(client, tenantId, ids, 'exists');
      return unique.filter((_, i) => replies[i]?.[1] === 1);
    });
  }

  /** `command` on the hash of each of `ids` once, pipelined: the ids and the raw replies. */
  private async eachOnce(
    client: Redis,
    tenantId: string,
    ids: string[],
    command: 'hgetall' | 'exists',
  ) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return { unique, replies: [] };
    const pipeline = client.pipeline();
    for (const id of unique) pipeline[command](this.h.names.name('sub', tenantId, id));
    return { unique, replies: (await pipeline.exec()) ?? [] };
  }

  list(tenantId: string, query: { after?: string; limit: number; email?: string }) {
    const index =
      query.email === undefined
        ? this.h.names.name('subs', tenantId)
        : this.h.names.name('sube', tenantId, emailKey(query.email) ?? '');
    const lower = query.after === undefined ? '-' : `(${query.after}`;
    return this.h.run(async () => {
      const rows = (await this.h.script(LIST_SUBSCRIBERS, [
        tenantId,
        index,
        lower,
        query.limit,
      ])) as FlatHash[];
      return rows.map((r) => toSubscriber(hashOf(r)));
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(async () => (await this.h.script(REMOVE_SUBSCRIBER, [tenantId, id])) === 1);
  }
}
