/**
 * The analytics activity rows' indexes, and the rows made from the events kept so far:
 * PostgreSQL's migration 17 and the SQLite analytics file's migration 2 run this same SQL
 * (valid in both dialects) after creating the table in their own types.
 */
export const ACTIVITY_INDEXES_AND_BACKFILL = `CREATE INDEX analytics_activity_last ON analytics_activity (tenant_id, day, last, first);
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
    `;
