import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { createEnvelope } from './envelope.js';
import type { EventEnvelope, EventListener } from './types.js';

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

  /** Reports an event; answers its envelope, or null if it could not even be built. */
  emit(type: string, tenantId: string | null, data: Record<string, unknown>): EventEnvelope | null {
    try {
      const event = createEnvelope(this.ids, this.clock, type, tenantId, data);
      for (const listener of this.listeners) {
        queueMicrotask(() => this.deliver(listener, event));
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

  private deliver(listener: EventListener, event: EventEnvelope): void {
    try {
      const out = listener(event);
      if (out instanceof Promise) out.catch((err: unknown) => this.failed(err, event));
    } catch (err) {
      this.failed(err, event);
    }
  }

  private failed(err: unknown, event: EventEnvelope): void {
    this.logger?.warn({ err, type: event.type, event_id: event.id }, 'event listener failed');
  }
}
