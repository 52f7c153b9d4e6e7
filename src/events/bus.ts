import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventPayload, EventType } from './catalogue.js';
import { createEnvelope } from './envelope.js';
import type { AnyEvent, Event, EventListener } from './types.js';

/**
 * The in-process event bus. Producers (admin services, enforcement, the send pipeline) call
 * `emit` and go on: listeners run later, on a microtask, and a listener that throws or
 * rejects is logged and forgotten, so an event can never fail or slow the work it reports.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

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
      for (const listener of this.listeners) {
        queueMicrotask(() => this.deliver(listener, heard));
      }
      return event;
    } catch (err) {
      this.logger?.warn({ err, type }, 'event could not be emitted');
      return null;
    }
  }

  /** Adds a listener; call the answer to remove it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
