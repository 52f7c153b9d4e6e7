import type { Static } from '@sinclair/typebox';
import { ANALYTICS_EVENTS } from '../analytics/events.js';
import { AUTH_EVENTS } from '../auth/events.js';
import { DIGEST_EVENTS } from '../digests/events.js';
import { NOTIFICATION_EVENTS } from '../notifications/events.js';
import { PROVIDER_EVENTS } from '../providers/events.js';
import { RATELIMIT_EVENTS } from '../ratelimit/events.js';
import { RECIPIENT_EVENTS } from '../recipients/events.js';
import { TEMPLATE_EVENTS } from '../templates/events.js';
import { WEBHOOK_EVENTS } from '../webhooks/events.js';
import { WORKFLOW_EVENTS } from '../workflows/events.js';
import type { EventDefinition } from './define.js';

/**
 * Every event notifyd emits, composed from the tables its modules declare beside their code.
 * The bus is typed by it, the webhook API lists it and docs/events.md is rendered from it.
 * A module that emits a new event adds it to its table (and its table here, once).
 */
export const EVENTS = {
  ...NOTIFICATION_EVENTS,
  ...RATELIMIT_EVENTS,
  ...WEBHOOK_EVENTS,
  ...RECIPIENT_EVENTS,
  ...TEMPLATE_EVENTS,
  ...ANALYTICS_EVENTS,
  ...PROVIDER_EVENTS,
  ...DIGEST_EVENTS,
  ...WORKFLOW_EVENTS,
  ...AUTH_EVENTS,
};

/** The name of a catalogued event. */
export type EventType = keyof typeof EVENTS;

/** The `data` an event of type `T` carries. */
export type EventPayload<T extends EventType> = Static<(typeof EVENTS)[T]['payload']>;

/**
 * Where a producer reports events of the names `N`: the payload must be the one catalogued
 * for the name given. The bus's `emit` is one; a producer is handed one so it need not know
 * the bus.
 */
export type EventSink<N extends EventType> = <T extends N>(
  type: T,
  tenantId: string | null,
  data: EventPayload<T>,
) => void;

/** One catalogued event, as the API lists it. */
export interface CataloguedEvent extends EventDefinition {
  name: EventType;
}

/** Every event in catalogue order: by module, then as each module declares them. */
export function listEvents(): CataloguedEvent[] {
  return (Object.keys(EVENTS) as EventType[]).map((name) => ({ name, ...EVENTS[name] }));
}
