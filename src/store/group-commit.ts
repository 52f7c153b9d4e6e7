/** A call waiting for its group to be written. */
export interface Waiting<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit, the part both SQL backends share: calls made in the same event-loop turn wait
 * for one `setImmediate` and go out as one group, one transaction and one commit instead of
 * one each. Subclasses write a group (and say when the next one must wait); each call settles
 * only after its group's transaction committed or rolled back, so a resolved call is durable.
 */
export abstract class GroupQueue<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private timer: NodeJS.Immediate | null = null;
  private holds = 0;

  /** Queues one call; it settles when its group has been written. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Holds writes back: calls queue until the returned function is called (once per hold),
   * then go out as one group. Nothing blocks meanwhile (the WAL checkpointer holds SQLite's
   * writes while it catches up).
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.schedule();
    };
  }

  /** Whether queued calls must wait for more than the next turn (a group is being written). */
  protected abstract busy(): boolean;

  /** Writes one group and settles each of its calls. */
  protected abstract writeGroup(group: Waiting<In, Out>[]): void;

  /** Whether calls are queued. */
  protected get queued(): boolean {
    return this.queue.length > 0;
  }

  /** Writes the queued calls at the next turn, unless the queue must wait or is empty. */
  protected schedule(): void {
    if (this.holds === 0 && !this.busy() && this.queue.length > 0) {
      this.timer ??= setImmediate(() => this.next());
    }
  }

  /** Takes every queued call as one group, now, and writes it. */
  protected next(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    const group = this.queue;
    this.queue = [];
    if (group.length > 0) this.writeGroup(group);
  }
}

/** Settles each call of a written group with its output, in order. */
export function settle<In, Out>(group: Waiting<In, Out>[], outputs: Out[]): void {
  for (const [i, waiting] of group.entries()) waiting.resolve(outputs[i]);
}

/** How a group of calls is written asynchronously, and what to do when that fails. */
export interface AsyncGroupWriter<In, Out> {
  /** Writes every input in one transaction and resolves to one output per input, in order. */
  write(inputs: In[]): Promise<Out[]>;
  /** Whether a failed group should be retried call by call, so one bad call fails alone. */
  retryAlone(err: unknown): boolean;
}

/**
 * Group commit with an asynchronous write (PostgreSQL):
 * while a group's transaction is under way the next calls gather behind it. Groups go one at
 * a time, in the order of their calls, so the first of several calls with one idempotency
 * key is the one that takes it.
 */
export class AsyncGroupCommit<In, Out> extends GroupQueue<In, Out> {
  private writing: Promise<void> | null = null;

  constructor(private readonly writer: AsyncGroupWriter<In, Out>) {
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
