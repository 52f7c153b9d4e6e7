/**
 * Runs in a worker thread: writes analytics (events, rollups, activity rows, the purge) into
 * the analytics file on a connection of its own, so that a batch of tracked events never
 * holds the event loop that answers requests and delivers notifications. See
 * analytics-write-thread.ts for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AnalyticsCutoffs } from '../../analytics/store.js';
import { type Append, SqliteAnalyticsWriter } from './analytics-writer.js';
import { openDatabase, type SqliteOptions } from './connection.js';

/** What the store asks of the thread. */
export type WriteOp = { op: 'write'; calls: Append[] } | { op: 'purge'; before: AnalyticsCutoffs };

/** A call as sent: the op and its number, which the reply carries back. */
export type WriteRequest = WriteOp & { seq: number };

/** Its answer: the result, or the error (with SQLite's code when it has one). */
export type WriteReply =
  | { seq: number; result: unknown }
  | { seq: number; error: { message: string; code?: string } };

const db = openDatabase(workerData as SqliteOptions);
const writer = new SqliteAnalyticsWriter(db);
const port = parentPort!;

port.on('message', (message: WriteRequest | 'stop') => {
  if (message === 'stop') {
    db.close();
    // End the thread now rather than when its event loop drains: instrumentation loaded
    // through NODE_OPTIONS (coverage, APM agents) can keep a handle open in it forever.
    process.exit(0);
  }
  const { seq } = message;
  try {
    const result =
      message.op === 'write' ? writer.write(message.calls) : writer.purge(message.before);
    port.postMessage({ seq, result } satisfies WriteReply);
  } catch (err) {
    const e = err as { message?: string; code?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    port.postMessage({
      seq,
      error: { message: String(e.message ?? err), code },
    } satisfies WriteReply);
  }
});
