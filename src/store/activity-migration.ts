import type { Migration } from './types.js';

/**
 * The migration that makes the analytics activity rows: PostgreSQL's migration 17 and the
 * SQLite analytics file's migration 2. Each dialect gives its CREATE TABLE (its own column
 * types); the indexes and the rows made from the events kept so far are the same SQL in both.
 */
export function activityRowsMigration(version: number, createTable: string): Migration {
  return {
    version,
    name: 'analytics activity rows',
    sql: `
      -- Active users (DAU/WAU/MAU) counted from one row per (tenant, user, UTC day) instead
      -- of every event: the day's first and last event and the user's last event before
      -- that day (src/analytics/activity.ts). tenant_id '*' counts every tenant's events.
      ${createTable.trim()}
      CREATE INDEX analytics_activity_last ON analytics_activity (tenant_id, day, last, first);
      CREATE INDEX analytics_activity_prev ON analytics_activity (tenant_id, day, prev_last, first);
      -- The events kept so far, so that counts of older windows do not change.
      INSERT INTO analytics_activity (tenant_id, user_id, day, first, last, prev_last)
      SELECT tenant_id, user_id, day, first, last,
             coalesce(lag(last) OVER (PARTITION BY tenant_id, user_id ORDER BY day),
                      -9007199254740991)
      FROM (
        SELECT tenant_id, user_id, timestamp - ((timestamp % 86400000) + 86400000) % 86400000 AS day,
               min(timestamp) AS first, max(timestamp) AS last
        FROM analytics_events WHERE user_id IS NOT NULL GROUP BY 1, 2, 3
        UNION ALL
        SELECT '*', user_id, timestamp - ((timestamp % 86400000) + 86400000) % 86400000 AS day,
               min(timestamp), max(timestamp)
        FROM analytics_events WHERE user_id IS NOT NULL GROUP BY 2, 3
      ) AS days;
    `,
  };
}
