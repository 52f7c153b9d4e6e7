import pg from 'pg';
import type { Test } from 'tap';
import { POSTGRES_URL } from './services.js';

let seq = 0;

/** A schema name no other test (file or process) uses. */
export function uniqueSchema(label = 'notifyd_test'): string {
  return `${label}_${process.pid}_${++seq}`;
}

/** Runs one statement on a connection of its own, outside any store. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Drops `schema` and everything in it when `t` ends (after the test's own teardowns). */
export function dropSchemaAfter(t: Test, schema: string): void {
  t.teardown(() => adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
