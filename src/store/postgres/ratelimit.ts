import type pg from 'pg';
import { decide } from '../../ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../ratelimit/algorithms/state.js';
import type { RateLimitStore } from '../../ratelimit/spec.js';
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
