import { GroupQueue, settle, type Waiting } from '../group-commit.js';

/** How a group of calls is written, and what to do when that fails. */
export interface GroupWriter<In, Out> {
  /** Writes every input in one transaction and resolves to one output per input, in order. */
  write(inputs: In[]): Promise<Out[]>;
  /** Whether a failed group should be retried call by call, so one bad call fails alone. */
  retryAlone(err: unknown): boolean;
}

/**
 * Group commit on PostgreSQL: while a group's transaction is under way the next calls gather
 * behind it. Groups go one at a time, in the order of their calls, so the first of several
 * calls with one idempotency key is the one that takes it.
 */
export class GroupCommit<In, Out> extends GroupQueue<In, Out> {
  private writing: Promise<void> | null = null;

  constructor(private readonly writer: GroupWriter<In, Out>) {
    super();
  }

  /** Writes everything queued, now, and resolves once no group is left (before closing). */
  async drain(): Promise<void> {
    while (this.writing || this.queued) {
      if (!this.writing) this.next();
      await this.writing;
    }
  }

  protected busy(): boolean {
    return this.writing !== null;
  }

  protected writeGroup(group: Waiting<In, Out>[]): void {
    this.writing = this.write(group).finally(() => {
      this.writing = null;
      this.schedule();
    });
  }

  private async write(group: Waiting<In, Out>[]): Promise<void> {
    let outputs: Out[];
    try {
      outputs = await this.writer.write(group.map((w) => w.input));
    } catch (err) {
      if (group.length > 1 && this.writer.retryAlone(err)) {
        for (const waiting of group) await this.writeAlone(waiting);
      } else {
        for (const waiting of group) waiting.reject(err);
      }
      return;
    }
    settle(group, outputs);
  }

  private async writeAlone(waiting: Waiting<In, Out>): Promise<void> {
    try {
      waiting.resolve((await this.writer.write([waiting.input]))[0]);
    } catch (err) {
      waiting.reject(err);
    }
  }
}
