import type { EventPayload, EventType } from './catalogue.js';

/**
 * One thing that happened inside notifyd, as every listener (webhooks, later analytics)
 * receives it and as a webhook's body carries it. This is its shape whatever the type;
 * `Event<T>` is the same envelope with its type and data tied together by the catalogue.
 */
export interface EventEnvelope {
  /** `evt_…`, time-ordered; a receiver deduplicates retried deliveries by it. */
  id: string;
  /** Dotted name, e.g. `ratelimit.policy_created`. */
  type: string;
  /** The tenant it happened in; null for something global (a global policy changed). */
  tenant_id: string | null;
  /** When it happened, ISO 8601. */
  created_at: string;
  data: Record<string, unknown>;
}

/** The envelope of an event of type `T`. */
export interface Event<T extends EventType> extends EventEnvelope {
  type: T;
  data: EventPayload<T>;
}

/** Any catalogued event's envelope; a listener tells them apart by `type`. */
export type AnyEvent = { [T in EventType]: Event<T> }[EventType];

/** Told of every event, after `emit` has returned. */
export type EventListener = (event: AnyEvent) => void | Promise<void>;

/**
 * Which of the events emitted at fan-out rates (`EventBus.emitWanted`) a listener hears:
 * asked synchronously for each, so it must be a quick look (a cached list).
 */
export type EventWants = (type: EventType, tenantId: string | null) => boolean;
