import type { CounterStore } from '../types.js';
import type { PostgresHandle } from './handle.js';

/**
 * Counters with expiry in PostgreSQL. One upsert makes each increment atomic: concurrent
 * ones on a key queue on its row lock. Expiry is judged at the `now` passed in, never at
 * the server's clock, so that a fake clock drives it in tests.
 */
export class PostgresCounterStore implements CounterStore {
  private readonly c: string;

  constructor(private readonly h: PostgresHandle) {
    this.c = h.t.counters;
  }

  async increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    // In SET, a bare column name reads the row as it was before the update.
    const { rows } = await this.h.query<{ value: number }>(
      `INSERT INTO ${this.c} AS c (key, value, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET
         value = CASE WHEN c.expires_at <= $4 THEN EXCLUDED.value ELSE c.value + EXCLUDED.value END,
         expires_at = CASE WHEN c.expires_at <= $4 THEN EXCLUDED.expires_at ELSE c.expires_at END
       RETURNING value`,
      [key, by, now + ttlMs, now],
    );
    return rows[0].value;
  }

  async get(key: string, now: number): Promise<number> {
    const { rows } = await this.h.query<{ value: number }>(
      `SELECT value FROM ${this.c} WHERE key = $1 AND expires_at > $2`,
      [key, now],
    );
    return rows[0]?.value ?? 0;
  }

  async purgeExpired(now: number): Promise<number> {
    const { rowCount } = await this.h.query(`DELETE FROM ${this.c} WHERE expires_at <= $1`, [now]);
    return rowCount;
  }
}
