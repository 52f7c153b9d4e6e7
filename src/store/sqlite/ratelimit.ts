import type { Statement, Transaction } from 'better-sqlite3';
import { decide } from '../../ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../ratelimit/algorithms/state.js';
import type { ConsumeRequest, Decision, LimitSpec, RateLimitStore } from '../../ratelimit/spec.js';
import type { SqliteHandle } from './handle.js';

type Decide = (key: string, spec: LimitSpec, cost: number, now: number) => Decision;
type DecideMany = (requests: readonly ConsumeRequest[]) => Decision[];

/**
 * Limiter state in SQLite: a row per key, read, decided and written in one IMMEDIATE
 * transaction, which takes the write lock first so that processes sharing the file decide
 * one at a time.
 */
export class SqliteRateLimitStore implements RateLimitStore {
  private readonly read: Statement<[string], { state: string }>;
  private readonly write: Statement<[string, string, number]>;
  private readonly remove: Statement<[string]>;
  private readonly purge: Statement<[number]>;
  private readonly decideInTransaction: Transaction<Decide>;
  private readonly decideManyInTransaction: Transaction<DecideMany>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.read = db.prepare('SELECT state FROM ratelimit_state WHERE key = ?');
    this.write = db.prepare(
      `INSERT INTO ratelimit_state (key, state, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
    );
    this.remove = db.prepare('DELETE FROM ratelimit_state WHERE key = ?');
    this.purge = db.prepare('DELETE FROM ratelimit_state WHERE expires_at <= ?');
    this.decideInTransaction = db.transaction<Decide>((key, spec, cost, now) =>
      this.decideAndStore(key, spec, cost, now),
    );
    this.decideManyInTransaction = db.transaction<DecideMany>((requests) =>
      requests.map((r) =>
        r.dryRun
          ? decide(this.load(r.key), r.spec, r.cost, r.now, true).decision
          : this.decideAndStore(r.key, r.spec, r.cost, r.now),
      ),
    );
  }

  /** One decision, its state written back (or deleted once there is nothing to keep). */
  private decideAndStore(key: string, spec: LimitSpec, cost: number, now: number): Decision {
    const { decision, state } = decide(this.load(key), spec, cost, now);
    if (state && state.expires_at > now) {
      this.write.run(key, JSON.stringify(state), state.expires_at);
    } else {
      this.remove.run(key);
    }
    return decision;
  }

  consume: RateLimitStore['consume'] = (key, spec, cost, now, options) => {
    return this.h.run(() =>
      options?.dryRun
        ? decide(this.load(key), spec, cost, now, true).decision
        : this.decideInTransaction.immediate(key, spec, cost, now),
    );
  };

  /** All in one IMMEDIATE transaction: one lock taken for the whole batch. */
  consumeMany: RateLimitStore['consumeMany'] = (requests) => {
    return this.h.run(() =>
      requests.length === 0 ? [] : this.decideManyInTransaction.immediate(requests),
    );
  };

  reset(key: string): Promise<void> {
    return this.h.run(() => {
      this.remove.run(key);
    });
  }

  purgeExpired(now: number): Promise<number> {
    return this.h.run(() => this.purge.run(now).changes);
  }

  private load(key: string): LimiterState | null {
    const row = this.read.get(key);
    return row ? (JSON.parse(row.state) as LimiterState) : null;
  }
}
