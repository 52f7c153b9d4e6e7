import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventPayload, EventType } from './catalogue.js';
import { createEnvelope } from './envelope.js';
import type { AnyEvent, Event, EventListener, EventWants } from './types.js';

/**
 * The in-process event bus. Producers (admin services, enforcement, the send pipeline) call
 * `emit` and go on: listeners run later, on a microtask, and a listener that throws or
 * rejects is logged and forgotten, so an event can never fail or slow the work it reports.
 */
export class EventBus {
  /** Every listener; with what it wants of the events only some hear (`emitWanted`), if any. */
  private readonly listeners = new Map<EventListener, EventWants | null>();

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly logger?: Logger,
  ) {}

  /**
   * Reports an event: a catalogued name and the payload catalogued for it. Answers its
   * envelope, or null if it could not even be built.
   */
  emit<T extends EventType>(
    type: T,
    tenantId: string | null,
    data: EventPayload<T>,
  ): Event<T> | null {
    try {
      const event = createEnvelope(this.ids, this.clock, type, tenantId, data);
      // Event<T> is one member of AnyEvent; TypeScript cannot follow a generic T into the union.
      const heard = event as AnyEvent;
      for (const listener of this.listeners.keys()) {
        queueMicrotask(() => this.deliver(listener, heard));
      }
      return event;
    } catch (err) {
      this.logger?.warn({ err, type }, 'event could not be emitted');
      return null;
    }
  }

  /**
   * Reports an event that happens at fan-out rates (an in-app notification handed to a
   * session): heard only by listeners subscribed with a `wants` that answers yes for its type
   * and tenant, and built (`data()`, an id, a time) only when one does, so that nobody
   * listening costs a few lookups. Listeners without `wants` (analytics, which counts these
   * in its own tally) never hear it. Answers whether it was emitted.
   */
  emitWanted<T extends EventType>(
    type: T,
    tenantId: string | null,
    data: () => EventPayload<T>,
  ): boolean {
    let heard: AnyEvent | null = null;
    for (const [listener, wants] of this.listeners) {
      if (wants === null || !wants(type, tenantId)) continue;
      if (heard === null) {
        const event = this.envelope(type, tenantId, data);
        if (event === null) return false;
        heard = event;
      }
      const e = heard;
      queueMicrotask(() => this.deliver(listener, e));
    }
    return heard !== null;
  }

  /**
   * Adds a listener; call the answer to remove it. With `wants`, it also hears the events of
   * `emitWanted` that `wants` asks for.
   */
  subscribe(listener: EventListener, wants?: EventWants): () => void {
    this.listeners.set(listener, wants ?? null);
    return () => this.listeners.delete(listener);
  }

  /** An envelope for `emitWanted`, sent to no one yet; null when it cannot be built. */
  private envelope<T extends EventType>(
    type: T,
    tenantId: string | null,
    data: () => EventPayload<T>,
  ): AnyEvent | null {
    try {
      return createEnvelope(this.ids, this.clock, type, tenantId, data()) as AnyEvent;
    } catch (err) {
      this.logger?.warn({ err, type }, 'event could not be emitted');
      return null;
    }
  }

  private deliver(listener: EventListener, event: AnyEvent): void {
    try {
      const out = listener(event);
      if (out instanceof Promise) out.catch((err: unknown) => this.failed(err, event));
    } catch (err) {
      this.failed(err, event);
    }
  }

  private failed(err: unknown, event: AnyEvent): void {
    this.logger?.warn({ err, type: event.type, event_id: event.id }, 'event listener failed');
  }
}
