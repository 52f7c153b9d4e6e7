import type pg from 'pg';
import { storeUnavailable } from '../errors.js';
import type { Tables } from './names.js';
import { isUnavailable, translateError } from './pg-errors.js';

/** A value pg binds to a `$n` parameter. */
export type Param = string | number | boolean | null | string[];

/**
 * The pool shared by every part of the adapter, the store's tables, and whether it is still
 * open. Every query goes through here so that errors are translated in one place and close()
 * can wait for work already under way.
 */
export class PostgresHandle {
  closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly pool: pg.Pool,
    readonly t: Tables,
  ) {}

  /** Throws STORE_UNAVAILABLE once the store is closed (for calls that may skip the server). */
  check(): void {
    if (this.closed) throw storeUnavailable();
  }

  /** Runs one statement on any pooled connection; resolves to its rows and count. */
  async query<R extends pg.QueryResultRow>(
    text: string,
    params: readonly Param[] = [],
  ): Promise<{ rows: R[]; rowCount: number }> {
    return this.track(async () => {
      const result = await this.pool.query<R>(text, params as Param[]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    });
  }

  /**
   * Runs `work` in one transaction on one checked-out connection: committed if it
   * resolves, rolled back if it throws. A connection that failed is discarded, not reused.
   */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.track(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      // A checked-out client reports a lost connection as an event, which must be heard
      // (unheard, it would end the process); the query under way rejects as well.
      const lost = (err: Error) => {
        broken = err;
      };
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (isUnavailable(err)) broken ??= err as Error;
        else if (!broken) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        client.off('error', lost);
        client.release(broken);
      }
    });
  }

  /**
   * Runs several statements in one round trip (the simple protocol: no parameters, so the
   * caller inlines its values with `escapeLiteral` or as checked integers), as one implicit
   * transaction: `SET LOCAL` in it holds for the statements after it. Resolves to the rows
   * of the last statement.
   */
  async script<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return this.track(async () => {
      const result = (await this.pool.query(text)) as unknown as
        | pg.QueryResult<R>
        | pg.QueryResult<R>[];
      return Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows;
    });
  }

  /** Resolves once every query started before it has settled (close() calls it). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    this.check();
    const running = work();
    this.pending.add(running);
    try {
      return await running;
    } catch (err) {
      throw translateError(err);
    } finally {
      this.pending.delete(running);
    }
  }
}
