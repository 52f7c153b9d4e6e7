import type { EventBus } from '../../src/events/bus.js';
import type { EventEnvelope } from '../../src/events/types.js';

/** The bus as a test of delivery uses it: any event name and payload, catalogued or not. */
export interface AnyEventEmitter {
  emit(type: string, tenantId: string | null, data: Record<string, unknown>): EventEnvelope | null;
}

/**
 * The same bus without the catalogue's types, for tests that route made-up events
 * (`t.flaky`, `e.one`) to exercise webhook delivery. Producers never get this view: their
 * events are checked against the catalogue, at compile time and in test/events/catalogue.test.ts.
 */
export function uncatalogued(bus: EventBus): AnyEventEmitter {
  return bus;
}
