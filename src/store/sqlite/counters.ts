import type { Statement } from 'better-sqlite3';
import type { CounterStore } from '../types.js';
import type { SqliteHandle } from './handle.js';

/** Counters with expiry in SQLite; one upsert statement makes each increment atomic. */
export class SqliteCounterStore implements CounterStore {
  private readonly add: Statement<[string, number, number, number, number], { value: number }>;
  private readonly read: Statement<[string, number], { value: number }>;
  private readonly purge: Statement<[number]>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    // In SET, every column name reads the row as it was before the update.
    this.add = db.prepare(
      `INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET
         value = CASE WHEN expires_at <= ? THEN excluded.value ELSE value + excluded.value END,
         expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at ELSE expires_at END
       RETURNING value`,
    );
    this.read = db.prepare('SELECT value FROM counters WHERE key = ? AND expires_at > ?');
    this.purge = db.prepare('DELETE FROM counters WHERE expires_at <= ?');
  }

  increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    return this.h.run(() => this.add.get(key, by, now + ttlMs, now, now)!.value);
  }

  get(key: string, now: number): Promise<number> {
    return this.h.run(() => this.read.get(key, now)?.value ?? 0);
  }

  purgeExpired(now: number): Promise<number> {
    return this.h.run(() => this.purge.run(now).changes);
  }
}
