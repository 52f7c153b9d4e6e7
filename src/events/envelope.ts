import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventEnvelope } from './types.js';

/** An event as it travels: a fresh `evt_` id and the time it happened. */
export function createEnvelope(
  ids: IdGenerator,
  clock: Clock,
  type: string,
  tenantId: string | null,
  data: Record<string, unknown>,
): EventEnvelope {
  return {
    id: ids('evt'),
    type,
    tenant_id: tenantId,
    created_at: new Date(clock.now()).toISOString(),
    data,
  };
}
