import type { AnalyticsEventRecord } from '../analytics/store.js';

/**
 * An analytics event as the SQL backends keep it: properties as JSON text, and the
 * timestamp a number (SQLite) or the text of a bigint (PostgreSQL).
 */
export interface EventRow {
  id: string;
  tenant_id: string;
  event_type: string;
  user_id: string | null;
  event_id: string | null;
  properties: string;
  timestamp: number | string;
  dims: string;
}

/** The event an `EventRow` holds. */
export const eventOf = (r: EventRow): AnalyticsEventRecord => ({
  ...r,
  timestamp: Number(r.timestamp),
  properties: JSON.parse(r.properties) as Record<string, unknown>,
});
