/** How a group of calls is written, and what to do when that fails. */
export interface GroupWriter<In, Out> {
  /** Writes every input in one transaction and resolves to one output per input, in order. */
  write(inputs: In[]): Promise<Out[]>;
  /** Whether a failed group should be retried call by call, so one bad call fails alone. */
  retryAlone(err: unknown): boolean;
}

interface Waiting<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: calls wait for one `setImmediate`, and while a group's transaction is
 * under way the next calls gather behind it; each group is one transaction and one commit.
 * Groups go one at a time, in the order of their calls, so the first of several calls
 * with one idempotency key is the one that takes it. A call settles only after its
 * transaction committed or rolled back.
 */
export class GroupCommit<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private timer: NodeJS.Immediate | null = null;
  private writing: Promise<void> | null = null;

  constructor(private readonly writer: GroupWriter<In, Out>) {}

  /** Queues one call; it settles when its group has been written. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything queued, now, and resolves once no group is left (before closing). */
  async drain(): Promise<void> {
    while (this.writing || this.queue.length > 0) {
      this.start();
      await this.writing;
    }
  }

  private schedule(): void {
    if (!this.writing && this.queue.length > 0) this.timer ??= setImmediate(() => this.start());
  }

  private start(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    if (this.writing || this.queue.length === 0) return;
    const group = this.queue;
    this.queue = [];
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
    for (const [i, waiting] of group.entries()) waiting.resolve(outputs[i]);
  }

  private async writeAlone(waiting: Waiting<In, Out>): Promise<void> {
    try {
      waiting.resolve((await this.writer.write([waiting.input]))[0]);
    } catch (err) {
      waiting.reject(err);
    }
  }
}
