/**
 * Runs in a worker thread: checkpoints the WAL of the database at `workerData.path` on its
 * own connection, so that copying pages back and the fsync that follows never stall the
 * event loop that answers requests. See checkpointer.ts for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerOptions, CheckpointReport } from './checkpointer.js';

const { path, intervalMs } = workerData as CheckpointerOptions;
const db = new Database(path, { timeout: 5000 });
// This connection only copies pages back; it never writes, so never checkpoints on commit.
db.pragma('wal_autocheckpoint = 0');

/**
 * A passive checkpoint copies what is committed back to the database without blocking
 * writers. An error ends the worker: the store then hands checkpoints back to SQLite.
 */
function checkpoint(kind: CheckpointReport['kind']): void {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as [Omit<CheckpointReport, 'kind'>];
  parentPort?.postMessage({ kind, ...result } satisfies CheckpointReport);
}

// The thread starts when the first round is due (checkpointer.ts): that round runs now.
checkpoint('round');
const timer = setInterval(() => checkpoint('round'), intervalMs);
parentPort?.on('message', (message: unknown) => {
  if (message === 'catch-up') return checkpoint('caught-up');
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  // End the thread now rather than when its event loop drains: instrumentation loaded
  // through NODE_OPTIONS (coverage, APM agents) can keep a handle open in it forever.
  process.exit(0);
});
