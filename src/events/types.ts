/**
 * One thing that happened inside notifyd, as every listener (webhooks, later analytics)
 * receives it and as a webhook's body carries it.
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

/** Told of every event, after `emit` has returned. */
export type EventListener = (event: EventEnvelope) => void | Promise<void>;
