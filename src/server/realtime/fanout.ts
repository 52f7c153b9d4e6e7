import type { TemplatedApp } from 'uWebSockets.js';

/**
 * How many sub-topics a broadcast topic (a tenant's, a named channel's) is split into. Each
 * session joins one, chosen round-robin, so a topic of 10,000 sessions is 32 of about 300.
 */
export const SHARDS = 32;

/**
 * Recipients one loop turn writes to before it lets other work run. uWS writes about one
 * frame per 10 µs here, so a turn of this many holds the loop for about 10 ms.
 */
export const TURN_BUDGET = 1_000;

/** The sub-topic of `topic` a session with this shard joins. */
export const shardTopic = (topic: string, shard: number) => `${topic}#${shard}`;

interface Pending {
  topic: string;
  frame: string;
  /** The next shard to publish to. */
  next: number;
  /** Called once the frame went to at least one recipient. */
  sent: () => void;
  reached: boolean;
}

/**
 * Publishes to broadcast topics a turn at a time. A small topic goes out at once, as a plain
 * publish would; a large one is written shard by shard, at most TURN_BUDGET recipients per
 * loop turn, so that one publish to 10,000 sessions does not hold every other request for
 * 100 ms. Frames leave in the order they were published: while any is pending, later ones
 * queue behind it.
 */
export class ShardedFanOut {
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private shardCursor = 0;

  constructor(private readonly app: () => TemplatedApp | null) {}

  /** The shard for the next session (round-robin keeps shards even). */
  nextShard(): number {
    const shard = this.shardCursor;
    this.shardCursor = (this.shardCursor + 1) % SHARDS;
    return shard;
  }

  /** Sessions subscribed to `topic` over every shard. */
  subscribers(topic: string): number {
    const app = this.app();
    if (!app) return 0;
    let n = 0;
    for (let s = 0; s < SHARDS; s++) n += app.numSubscribers(shardTopic(topic, s));
    return n;
  }

  /** Publishes `frame` to every session of `topic`; `sent` runs if anyone was there. */
  publish(topic: string, frame: string, sent: () => void): void {
    this.queue.push({ topic, frame, next: 0, sent, reached: false });
    if (this.queue.length === 1 && !this.scheduled) this.drain();
  }

  /** Frames still waiting for a turn (for tests and metrics). */
  get pending(): number {
    return this.queue.length;
  }

  /** Drops what is waiting (the server is closing every session anyway). */
  clear(): void {
    this.queue.length = 0;
  }

  private drain = (): void => {
    this.scheduled = false;
    const app = this.app();
    let budget = TURN_BUDGET;
    while (this.queue.length > 0) {
      const item = this.queue[0] as Pending;
      while (item.next < SHARDS) {
        if (budget <= 0) {
          this.later();
          return;
        }
        const topic = shardTopic(item.topic, item.next++);
        const n = app?.numSubscribers(topic) ?? 0;
        if (n === 0) continue;
        budget -= n;
        if (app?.publish(topic, item.frame)) item.reached = true;
      }
      this.queue.shift();
      if (item.reached) item.sent();
    }
  };

  private later(): void {
    this.scheduled = true;
    setImmediate(this.drain);
  }
}
