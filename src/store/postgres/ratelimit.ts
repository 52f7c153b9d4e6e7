import type pg from 'pg';
import { decide } from '../../ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../ratelimit/algorithms/state.js';
import type { Decision, RateLimitStore } from '../../ratelimit/spec.js';
import type { PostgresHandle } from './handle.js';

/**
 * Limiter state in PostgreSQL: a row per key, read with FOR UPDATE, decided and written in one
 * transaction. Concurrent decisions on a key, from any number of nodes, queue on its row lock,
 * so together they admit one limit's worth. Expiry is judged at the `now` passed in.
 */
export class PostgresRateLimitStore implements RateLimitStore {
  private readonly table: string;

  constructor(private readonly h: PostgresHandle) {
    this.table = h.t.ratelimit;
  }

  consume: RateLimitStore['consume'] = async (key, spec, cost, now, options) => {
    if (options?.dryRun) {
      const { rows } = await this.h.query<{ state: string }>(
        `SELECT state FROM ${this.table} WHERE key = $1`,
        [key],
      );
      return decide(parse(rows[0]), spec, cost, now, true).decision;
    }
    return this.h.transaction(async (client) => {
      let stored = await this.lock(client, key);
      if (stored === undefined) {
        // A key seen for the first time has no row to lock: make one (or find the one a
        // concurrent decision just made) and lock that.
        await client.query(
          `INSERT INTO ${this.table} (key, state, expires_at) VALUES ($1, 'null', 0)
           ON CONFLICT (key) DO NOTHING`,
          [key],
        );
        stored = await this.lock(client, key);
      }
      const { decision, state } = decide(stored ?? null, spec, cost, now);
      if (state && state.expires_at > now) {
        await client.query(`UPDATE ${this.table} SET state = $2, expires_at = $3 WHERE key = $1`, [
          key,
          JSON.stringify(state),
          state.expires_at,
        ]);
      } else {
        await client.query(`DELETE FROM ${this.table} WHERE key = $1`, [key]);
      }
      return decision;
    });
  };

  /**
   * One transaction for the batch: every key is locked with one statement (rows made for
   * new keys), decided in order in this process, and written back with one statement (one
   * more deletes what has nothing left to keep): four round trips whatever the batch's size,
   * where consume() takes four to six per key.
   *
   * The statement that locks takes its keys in sorted order, so that two batches sharing
   * keys wait for each other instead of deadlocking; a consume() holds one key's lock at a
   * time and waits in the same queue.
   */
  consumeMany: RateLimitStore['consumeMany'] = async (requests) => {
    if (requests.length === 0) return [];
    const keys = [...new Set(requests.map((r) => r.key))];
    return this.h.transaction(async (client) => {
      const { rows } = await client.query<{ key: string; state: string }>(
        `INSERT INTO ${this.table} AS r (key, state, expires_at)
         SELECT k, 'null', 0 FROM unnest($1::text[]) AS k ORDER BY k COLLATE "C"
         ON CONFLICT (key) DO UPDATE SET state = r.state
         RETURNING key, state`,
        [keys],
      );
      const working = new Map<string, LimiterState | null>();
      for (const row of rows) working.set(row.key, parse(row));
      const written = new Set<string>();
      const decisions: Decision[] = requests.map((r) => {
        const stored = working.get(r.key) ?? null;
        if (r.dryRun) return decide(stored, r.spec, r.cost, r.now, true).decision;
        const { decision, state } = decide(stored, r.spec, r.cost, r.now);
        working.set(r.key, state && state.expires_at > r.now ? state : null);
        written.add(r.key);
        return decision;
      });
      const kept: string[] = [];
      const states: string[] = [];
      const expiries: number[] = [];
      const gone: string[] = [];
      for (const key of keys) {
        const state = working.get(key) ?? null;
        if (state && written.has(key)) {
          kept.push(key);
          states.push(JSON.stringify(state));
          expiries.push(state.expires_at);
        } else if (!state) {
          // Nothing to keep: counted down to nothing, or only a new key's placeholder.
          gone.push(key);
        }
      }
      if (kept.length > 0) {
        await client.query(
          `UPDATE ${this.table} AS r SET state = u.state, expires_at = u.expires_at
           FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(key, state, expires_at)
           WHERE r.key = u.key`,
          [kept, states, expiries],
        );
      }
      if (gone.length > 0) {
        await client.query(`DELETE FROM ${this.table} WHERE key = ANY($1::text[])`, [gone]);
      }
      return decisions;
    });
  };

  async reset(key: string): Promise<void> {
    await this.h.query(`DELETE FROM ${this.table} WHERE key = $1`, [key]);
  }

  async purgeExpired(now: number): Promise<number> {
    const { rowCount } = await this.h.query(`DELETE FROM ${this.table} WHERE expires_at <= $1`, [
      now,
    ]);
    return rowCount;
  }

  /** The key's state, locked until the transaction ends; undefined when it has no row. */
  private async lock(client: pg.PoolClient, key: string): Promise<LimiterState | null | undefined> {
    const { rows } = await client.query<{ state: string }>(
      `SELECT state FROM ${this.table} WHERE key = $1 FOR UPDATE`,
      [key],
    );
    return rows.length === 0 ? undefined : parse(rows[0]);
  }
}

/** A row's state; null for no row or the placeholder of a new key. */
function parse(row: { state: string } | undefined): LimiterState | null {
  return row ? (JSON.parse(row.state) as LimiterState | null) : null;
}
