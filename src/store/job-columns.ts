import type { JobRecord } from '../scheduler/jobs.js';

/** The jobs table's columns, in the order the SQL backends write and read them. */
export const JOB_COLUMNS =
  'id, tenant_id, kind, run_at, payload, status, attempts, lease_token, lease_until, key, last_error, created_at, updated_at';

/** A job's values in `JOB_COLUMNS` order; the payload as JSON text. */
export function jobValues(r: JobRecord): Array<string | number | null> {
  return [
    r.id,
    r.tenant_id,
    r.kind,
    r.run_at,
    JSON.stringify(r.payload),
    r.status,
    r.attempts,
    r.lease_token,
    r.lease_until,
    r.key,
    r.last_error,
    r.created_at,
    r.updated_at,
  ];
}
