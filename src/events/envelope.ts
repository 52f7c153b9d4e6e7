import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventPayload, EventType } from './catalogue.js';
import type { Event } from './types.js';

/** An event as it travels: a fresh `evt_` id and the time it happened. */
export function createEnvelope<T extends EventType>(
  ids: IdGenerator,
  clock: Clock,
  type: T,
  tenantId: string | null,
  data: EventPayload<T>,
): Event<T> {
  return {
    id: ids('evt'),
    type,
    tenant_id: tenantId,
    created_at: new Date(clock.now()).toISOString(),
    data,
  };
}
