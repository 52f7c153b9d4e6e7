import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { AUTO_CHECKPOINT_PAGES, type SqliteOptions } from './connection.js';

/** How the WAL is checkpointed off the event loop. */
export interface CheckpointerOptions {
  /** The database file (WAL mode). */
  path: string;
  /** How often a passive checkpoint runs. */
  intervalMs: number;
  /** A WAL longer than this many pages is started over (see startCheckpointer). */
  restartAbovePages: number;
}

/**
 * What the worker reports after a checkpoint, as SQLite gives it: whether it was blocked,
 * the frames in the WAL and how many of them are now in the database. `round` is the
 * periodic one, `caught-up` the one asked for while writes were held.
 */
export interface CheckpointReport {
  kind: 'round' | 'caught-up';
  busy: number;
  log: number;
  checkpointed: number;
}

/** What the checkpointer needs from the store. */
export interface CheckpointerHooks {
  /**
   * Holds back the store's writes (they queue, nothing blocks) until the returned function
   * is called.
   */
  holdWrites(): () => void;
  /**
   * The worker cannot go on (it could not open the database, a checkpoint failed, it
   * died): the caller should put checkpointing back on its own connection rather than let
   * the WAL grow.
   */
  onFailure(err: Error): void;
}

/** A running checkpointer. */
export interface Checkpointer {
  /** The last report, if any yet. */
  readonly last: CheckpointReport | null;
  /** Stops the worker after its current checkpoint and closes its connection. */
  stop(): Promise<void>;
}

/** How long `stop` waits for the worker to close its connection before terminating it. */
const STOP_TIMEOUT_MS = 2000;

/** How long writes may be held for a catch-up before they go on regardless. */
const MAX_HOLD_MS = 1000;

/**
 * Starts a worker thread that runs a passive checkpoint every `intervalMs` on its own
 * connection.
 *
 * A passive checkpoint never blocks a writer, but under a steady stream of commits it never
 * finds the whole WAL copied (more was committed while it ran), so the WAL would never
 * start over and would grow without end. When a round leaves more than `restartAbovePages`
 * frames, the store's writes are held (they queue; the event loop goes on), the worker
 * copies the frames committed since its round, and the writes resume: the first commit
 * after that starts the WAL over from its beginning. Holding costs the queued writes the
 * few milliseconds of that catch-up; SQLite's own RESTART checkpoint would instead make the
 * writing thread sleep on the lock.
 *
 * The thread starts when the first round is due, not at once: nothing needs copying back
 * before then, and a store that is closed sooner (`notifyd migrate`, a CLI command, a test)
 * never pays for starting a thread and loading SQLite into it.
 */
export function startCheckpointer(
  options: CheckpointerOptions,
  hooks: CheckpointerHooks,
): Checkpointer {
  let running: Checkpointer | null = null;
  const spawnTimer = setTimeout(() => {
    running = runWorker(options, hooks);
  }, options.intervalMs);
  spawnTimer.unref();
  return {
    get last() {
      return running?.last ?? null;
    },
    async stop() {
      clearTimeout(spawnTimer);
      await running?.stop();
    },
  };
}

/** The worker thread itself, checkpointing from its start (see startCheckpointer). */
function runWorker(options: CheckpointerOptions, hooks: CheckpointerHooks): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: options,
  });
  worker.unref();
  let last: CheckpointReport | null = null;
  let stopping = false;
  let failed = false;
  let release: (() => void) | null = null;
  let holdTimer: NodeJS.Timeout | null = null;

  const resume = () => {
    if (holdTimer) clearTimeout(holdTimer);
    holdTimer = null;
    release?.();
    release = null;
  };
  const fail = (err: Error) => {
    resume();
    if (stopping || failed) return;
    failed = true;
    hooks.onFailure(err);
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (report: CheckpointReport) => {
    last = report;
    if (report.kind === 'caught-up') return resume();
    if (report.log > options.restartAbovePages && !release && !stopping) {
      release = hooks.holdWrites();
      holdTimer = setTimeout(resume, MAX_HOLD_MS);
      worker.postMessage('catch-up');
    }
  });
  worker.once('error', fail);
  worker.once('exit', (code) => fail(new Error(`checkpoint worker exited with code ${code}`)));
  return {
    get last() {
      return last;
    },
    async stop() {
      if (stopping) return exited;
      stopping = true;
      resume();
      // Unreferenced, the worker would let the process exit before it has closed.
      worker.ref();
      worker.postMessage('stop');
      // A worker that has not answered in time (stuck starting, e.g. under instrumentation
      // loaded through NODE_OPTIONS) is stopped by force: a checkpoint is safe to cut short.
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The main file's WAL starts over above 16 MiB (4 KiB pages): a hold there delays sends. */
export const MAIN_WAL_RESTART_PAGES = 4096;

/**
 * The analytics file's, above 256 MiB: a tracked event dirties about four pages (15 KB of WAL
 * per event at a million events), so at 16 MiB writes were held for a catch-up every thousand
 * or so events; 256 MiB took 9-14% more events/s through the batch API (BENCHMARKS.md, "The
 * analytics file's cache and WAL"). journal_size_limit cuts the file back to 64 MiB after.
 */
export const ANALYTICS_WAL_RESTART_PAGES = 65536;

/**
 * Checkpoints off the event loop (see startCheckpointer), starting the WAL over above
 * `restartAbovePages` frames; should the worker fail, the writing connection takes over as
 * SQLite does by default.
 */
export function startWalCheckpointer(
  db: Database.Database,
  options: SqliteOptions,
  holdWrites: () => () => void,
  restartAbovePages = MAIN_WAL_RESTART_PAGES,
): Checkpointer | null {
  const intervalMs = options.checkpointIntervalMs ?? 200;
  if (intervalMs <= 0 || db.memory) return null;
  return startCheckpointer(
    { path: db.name, intervalMs, restartAbovePages },
    {
      holdWrites,
      onFailure(err) {
        if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
        options.onWarning?.(
          'The SQLite checkpoint worker stopped; checkpoints run on the main thread from now on.',
          err,
        );
      },
    },
  );
}
