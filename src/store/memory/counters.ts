import type { CounterStore } from '../types.js';
import { deleteExpired } from './maps.js';
import type { OpenState } from './open-state.js';

interface Counter {
  value: number;
  expires_at: number;
}

/** Counters with expiry in memory; single-threaded, so every increment is atomic. */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly state: OpenState) {}

  async increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    this.state.check();
    const counter = this.counters.get(key);
    if (!counter || counter.expires_at <= now) {
      this.counters.set(key, { value: by, expires_at: now + ttlMs });
      return by;
    }
    counter.value += by;
    return counter.value;
  }

  async get(key: string, now: number): Promise<number> {
    this.state.check();
    const counter = this.counters.get(key);
    return counter && counter.expires_at > now ? counter.value : 0;
  }

  async purgeExpired(now: number): Promise<number> {
    this.state.check();
    return deleteExpired(this.counters, now);
  }
}
