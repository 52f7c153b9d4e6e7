/**
 * In-app sends and deliveries, counted in process. An in-app notification is sent when it
 * is committed to its recipient's feed (its `notification.accepted` names `in_app`) and
 * delivered when the gateway hands it to an open session of the recipient; both happen on
 * the paths that must stay fast (the send path, the real-time fan-out), so neither records
 * an analytics event each (on the bus they are `notification.sent` / `.delivered` emitted
 * only for webhooks that want them, which analytics does not hear: in-app-events.ts). They
 * are summed per tenant, type, category, template and minute, and each
 * sum is written at the next flush as one `notification.sent` / `notification.delivered`
 * event with channel `in_app` that stands for that many (its `occurrences`, which rollups
 * and raw scans add up: see `occurrencesOf`).
 */
import type { Clock } from '../core/clock.js';
import { OCCURRENCES } from './store.js';

const MINUTE = 60_000;

/** One sum, ready to be written as an event. */
export interface TalliedEvent {
  type: 'notification.sent' | 'notification.delivered';
  tenant_id: string;
  /** The start of the minute it was counted in: the event's timestamp. */
  timestamp: number;
  properties: Record<string, string | number>;
}

/** Counts in-app sends and deliveries until the ingestor drains them. */
export class Tally {
  private counts = new Map<string, TalliedEvent>();

  constructor(private readonly clock: Clock) {}

  /** An in-app notification was committed to a feed at `at` (ms). */
  sent(tenantId: string, category: string, template: string | null, at: number): void {
    this.add('notification.sent', tenantId, category, template, at);
  }

  /** An in-app notification was handed to at least one open session of its recipient, now. */
  delivered(tenantId: string, category: string, template: string | null): void {
    this.add('notification.delivered', tenantId, category, template, this.clock.now());
  }

  /** Sums not yet drained (for tests and metrics). */
  get size(): number {
    return this.counts.size;
  }

  /** The sums so far, as events; the tally starts again from zero. */
  drain(): TalliedEvent[] {
    if (this.counts.size === 0) return [];
    const out = [...this.counts.values()];
    this.counts = new Map();
    return out;
  }

  private add(
    type: TalliedEvent['type'],
    tenantId: string,
    category: string,
    template: string | null,
    at: number,
  ): void {
    const minute = at - (at % MINUTE);
    // NUL cannot occur in a tenant, category or template key: the key is unambiguous.
    const key = `${minute}\0${type}\0${tenantId}\0${category}\0${template ?? ''}`;
    const found = this.counts.get(key);
    if (found) {
      (found.properties[OCCURRENCES] as number)++;
      return;
    }
    this.counts.set(key, {
      type,
      tenant_id: tenantId,
      timestamp: minute,
      properties: {
        channel: 'in_app',
        category,
        ...(template === null ? {} : { template }),
        [OCCURRENCES]: 1,
      },
    });
  }
}
