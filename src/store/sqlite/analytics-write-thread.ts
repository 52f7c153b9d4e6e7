import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AnalyticsCutoffs } from '../../analytics/store.js';
import type { WriteOp, WriteReply, WriteRequest } from './analytics-write-worker.js';
import type { Append } from './analytics-writer.js';
import type { SqliteOptions } from './connection.js';

/** How long `stop` waits for the thread to close its connection before terminating it. */
const STOP_TIMEOUT_MS = 5000;

/** What opens the thread's connection (cloned to it: no functions). */
export type WriteThreadOptions = Pick<
  SqliteOptions,
  'path' | 'synchronous' | 'busyTimeoutMs' | 'checkpointIntervalMs'
>;

type Pending = { resolve: (result: unknown) => void; reject: (err: unknown) => void };

/**
 * The analytics write thread, seen from the store: calls go to the worker
 * (analytics-write-worker.ts) as messages and settle when it answers, after its transaction
 * committed. The thread starts with the first call, not with the store (a CLI command or
 * `notifyd migrate` never writes analytics), and holds the process open only while calls are
 * under way. Should it fail (it could not open the file, it died), `usable` turns false, the
 * calls under way fail as the store being unavailable (whether their transaction committed is
 * not known), and `onFailure` hears why; the store then writes on its own connection.
 */
export class AnalyticsWriteThread {
  private worker: Worker | null = null;
  private exited: Promise<void> | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;
  private stopping = false;
  /** Who waits for the calls under way to settle (stop). */
  private idle: (() => void)[] = [];

  constructor(
    private readonly options: WriteThreadOptions,
    private readonly onFailure: (err: Error) => void,
  ) {}

  /** Whether calls still go to the thread. */
  get usable(): boolean {
    return this.failure === null && !this.stopping;
  }

  /** Writes a group of appends in one transaction (SqliteAnalyticsWriter.write). */
  write(calls: Append[]): Promise<boolean[][]> {
    return this.call({ op: 'write', calls }) as Promise<boolean[][]>;
  }

  /** The retention purge (SqliteAnalyticsWriter.purge). */
  purge(before: AnalyticsCutoffs): Promise<number> {
    return this.call({ op: 'purge', before }) as Promise<number>;
  }

  /** Closes the thread's connection and ends it; calls under way settle first. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker || !this.exited) return;
    if (this.pending.size > 0) await new Promise<void>((idle) => this.idle.push(idle));
    worker.ref();
    worker.postMessage('stop');
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private call(request: WriteOp): Promise<unknown> {
    if (!this.usable)
      return Promise.reject(this.failure ?? new Error('analytics write thread stopped'));
    this.worker ??= this.spawn();
    const worker = this.worker;
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...request, seq } satisfies WriteRequest);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./analytics-write-worker.js', import.meta.url), {
      workerData: this.options,
    });
    this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: WriteReply) => {
      const p = this.pending.get(reply.seq);
      if (!p) return;
      this.pending.delete(reply.seq);
      if ('result' in reply) p.resolve(reply.result);
      else {
        const { message, code } = reply.error;
        p.reject(code ? new Database.SqliteError(message, code) : new Error(message));
      }
      if (this.pending.size === 0) this.settled();
    });
    worker.once('error', (err) => this.fail(err));
    worker.once('exit', (code) => {
      if (!this.stopping) this.fail(new Error(`analytics write thread exited with code ${code}`));
    });
    return worker;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const lost = new Database.SqliteError(
      `The analytics write thread stopped (${err.message}); the call's outcome is not known.`,
      'SQLITE_IOERR',
    );
    for (const p of this.pending.values()) p.reject(lost);
    this.pending.clear();
    this.settled();
    this.onFailure(err);
  }

  /** Nothing is under way: the thread no longer holds the process open. */
  private settled(): void {
    this.worker?.unref();
    for (const idle of this.idle.splice(0)) idle();
  }
}
