import { GroupQueue, settle, type Waiting } from '../group-commit.js';

/** How a group of calls is written, and what to do when that fails. */
export interface GroupWriter<In, Out> {
  /** Writes every input in one transaction and returns one output per input, in order. */
  write(inputs: In[]): Out[];
  /** Whether a failed group should be retried call by call, so one bad call fails alone. */
  retryAlone(err: unknown): boolean;
  /** Maps a driver error to the one callers see. */
  translate(err: unknown): unknown;
}

/**
 * Group commit on SQLite: a group is written synchronously, so thousands of concurrent sends
 * cost one commit; writes can be held back (while the WAL is checkpointed).
 */
export class GroupCommit<In, Out> extends GroupQueue<In, Out> {
  constructor(private readonly writer: GroupWriter<In, Out>) {
    super();
  }

  /** Writes whatever is queued now, held or not; close() calls it so no accepted call is lost. */
  flush(): void {
    this.next();
  }

  protected busy(): boolean {
    return false;
  }

  protected writeGroup(group: Waiting<In, Out>[]): void {
    let outputs: Out[];
    try {
      outputs = this.writer.write(group.map((w) => w.input));
    } catch (err) {
      if (group.length > 1 && this.writer.retryAlone(err)) {
        for (const waiting of group) this.writeAlone(waiting);
      } else {
        const reason = this.writer.translate(err);
        for (const waiting of group) waiting.reject(reason);
      }
      return;
    }
    settle(group, outputs);
  }

  private writeAlone(waiting: Waiting<In, Out>): void {
    try {
      waiting.resolve(this.writer.write([waiting.input])[0]);
    } catch (err) {
      waiting.reject(this.writer.translate(err));
    }
  }
}
