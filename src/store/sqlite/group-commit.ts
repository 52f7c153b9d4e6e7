/** How a group of calls is written, and what to do when that fails. */
export interface GroupWriter<In, Out> {
  /** Writes every input in one transaction and returns one output per input, in order. */
  write(inputs: In[]): Out[];
  /** Whether a failed group should be retried call by call, so one bad call fails alone. */
  retryAlone(err: unknown): boolean;
  /** Maps a driver error to the one callers see. */
  translate(err: unknown): unknown;
}

interface Waiting<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: calls made in the same event-loop turn wait for one `setImmediate` and
 * are written in one transaction, so thousands of concurrent sends cost one commit
 * instead of thousands. Each promise settles only after that transaction committed or
 * rolled back, so a resolved call is durable.
 */
export class GroupCommit<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private timer: NodeJS.Immediate | null = null;
  private holds = 0;

  constructor(private readonly writer: GroupWriter<In, Out>) {}

  /** Queues one call; it settles when its group has been written. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Holds writes back: calls queue until the returned function is called (once per hold),
   * then go out as one group. Nothing blocks meanwhile.
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

  private schedule(): void {
    if (this.holds === 0 && this.queue.length > 0) this.timer ??= setImmediate(() => this.flush());
  }

  /** Writes whatever is queued now, held or not; close() calls it so no accepted call is lost. */
  flush(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
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
    for (const [i, waiting] of group.entries()) waiting.resolve(outputs[i]);
  }

  private writeAlone(waiting: Waiting<In, Out>): void {
    try {
      waiting.resolve(this.writer.write([waiting.input])[0]);
    } catch (err) {
      waiting.reject(this.writer.translate(err));
    }
  }
}
