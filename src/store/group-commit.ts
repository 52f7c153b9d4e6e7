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

  /** Queues one call; it settles when its group has been written. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
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
    if (!this.busy() && this.queue.length > 0) this.timer ??= setImmediate(() => this.next());
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
