/**
 * One consumer's queue behind `client.notifications()`: what arrives while the consumer is
 * busy waits here, in order, so that a `for await` loop sees every item exactly once.
 */
export class ItemStream<T> implements AsyncIterableIterator<T, undefined> {
  private readonly buffer: T[] = [];
  private waiting: {
    resolve: (r: IteratorResult<T, undefined>) => void;
    reject: (e: unknown) => void;
  } | null = null;
  private ended = false;
  private failure: unknown = null;

  /** @param onDone called once when the stream ends, by either side. */
  constructor(private readonly onDone: (stream: ItemStream<T>) => void) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      this.waiting.resolve({ value: item, done: false });
      this.waiting = null;
    } else {
      this.buffer.push(item);
    }
  }

  /** Ends the stream after what is buffered; with `error`, the loop throws it instead. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.onDone(this);
    if (this.waiting) {
      if (error !== undefined) this.waiting.reject(error);
      else this.waiting.resolve({ value: undefined, done: true });
      this.waiting = null;
    } else if (error !== undefined) {
      // Thrown by the next next(), once what is buffered has been taken.
      this.failure = error;
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.buffer.length > 0)
      return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.ended) {
      if (this.failure !== null) {
        const failure = this.failure;
        this.failure = null;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** A `break` out of the loop: stop queueing for this consumer. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.buffer.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined> {
    return this;
  }
}
