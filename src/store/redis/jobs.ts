import type { JobRecord, JobStatus } from '../../scheduler/jobs.js';
import type { JobStore, NewJob } from '../../scheduler/store.js';
import type { RedisHandle } from './handle.js';
import { CANCEL_JOB } from './lua/jobs/cancel-job.js';
import { CLAIM_JOBS } from './lua/jobs/claim-jobs.js';
import { COMPLETE_JOB } from './lua/jobs/complete-job.js';
import { JOB_BY_KEY } from './lua/jobs/job-by-key.js';
import { JOB_STATS } from './lua/jobs/job-stats.js';
import { LIST_JOBS } from './lua/jobs/list-jobs.js';
import { NEXT_RUN_AT } from './lua/jobs/next-run-at.js';
import { PURGE_JOBS } from './lua/jobs/purge-jobs.js';
import { SCHEDULE_JOB } from './lua/jobs/schedule-job.js';
import { type FlatHash, hashOf } from './records.js';

/** How many settled jobs one purge script forgets before the next is sent. */
const PURGE_CHUNK = 500;

const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v));

/** A job read from its flat hash (null fields are absent). */
function toJob(flat: FlatHash): JobRecord {
  const h = hashOf(flat);
  return {
    id: h.id,
    tenant_id: h.tenant_id,
    kind: h.kind,
    run_at: Number(h.run_at),
    payload: JSON.parse(h.payload) as Record<string, unknown>,
    status: h.status as JobStatus,
    attempts: Number(h.attempts),
    lease_token: h.lease_token ?? null,
    lease_until: num(h.lease_until),
    key: h.key ?? null,
    last_error: h.last_error ?? null,
    created_at: Number(h.created_at),
    updated_at: Number(h.updated_at),
  };
}

/**
 * Jobs in Redis: a hash per job, per kind a sorted set of the scheduled ones by run_at and
 * one of the running ones by lease end (lua/jobs/fragments.ts has the model). Every change
 * is one script, one file each.
 */
export class RedisJobStore implements JobStore {
  constructor(private readonly h: RedisHandle) {}

  schedule(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    let payload: string;
    try {
      payload = JSON.stringify(job.payload);
    } catch (err) {
      return Promise.reject(err);
    }
    const hasKey = job.key !== null;
    const args = [
      job.id,
      job.tenant_id,
      job.kind,
      job.run_at,
      hasKey ? '1' : '0',
      job.key ?? '',
      payload,
      job.created_at,
    ];
    return this.h.run(async () => {
      const [created, flat] = (await this.h.script(SCHEDULE_JOB, args)) as [number, FlatHash];
      return { job: toJob(flat), created: created === 1 };
    });
  }

  get(tenantId: string, id: string): Promise<JobRecord | null> {
    return this.h.run(async (c) => {
      const h = await c.hgetall(this.h.names.name('job', id));
      if (h.tenant_id !== tenantId) return null;
      return toJob(Object.entries(h).flat());
    });
  }

  getByKey(tenantId: string, key: string): Promise<JobRecord | null> {
    return this.h.run(async () => {
      const flat = (await this.h.script(JOB_BY_KEY, [tenantId, key])) as FlatHash;
      return flat.length === 0 ? null : toJob(flat);
    });
  }

  claim: JobStore['claim'] = (kinds, limit, now, leaseMs, token) => {
    return this.h.run(async () => {
      if (kinds.length === 0 || limit <= 0) return [];
      const args = [now, leaseMs, limit, token, ...new Set(kinds)];
      return ((await this.h.script(CLAIM_JOBS, args)) as FlatHash[]).map(toJob);
    });
  };

  complete: JobStore['complete'] = (id, token, outcome, at) => {
    const again = outcome.status === 'scheduled';
    const args = [
      id,
      token,
      outcome.status,
      at,
      outcome.error === undefined ? '0' : '1',
      outcome.error ?? '',
      again ? outcome.run_at : 0,
      again && outcome.reset_attempts ? '1' : '0',
    ];
    return this.h.run(async () => (await this.h.script(COMPLETE_JOB, args)) === 1);
  };

  cancel(tenantId: string, id: string, at: number) {
    return this.h.run(async () => {
      const reply = (await this.h.script(CANCEL_JOB, [tenantId, id, at])) as
        | []
        | [number, FlatHash];
      if (reply.length === 0) return null;
      return { job: toJob(reply[1]), cancelled: reply[0] === 1 };
    });
  }

  list: JobStore['list'] = (tenantId, filter, limit) => {
    const args = [
      tenantId,
      filter.kind ?? '',
      filter.status ?? '',
      filter.before ?? '',
      Math.max(0, limit),
    ];
    return this.h.run(async () => {
      if (limit <= 0) return [];
      return ((await this.h.script(LIST_JOBS, args)) as FlatHash[]).map(toJob);
    });
  };

  nextRunAt(kinds: readonly string[], after?: number): Promise<number | null> {
    return this.h.run(async () => {
      if (kinds.length === 0) return null;
      const from = after === undefined ? '-inf' : `(${after}`;
      const at = (await this.h.script(NEXT_RUN_AT, [from, ...kinds])) as string | null;
      return at === null ? null : Number(at);
    });
  }

  stats: JobStore['stats'] = (now) => {
    return this.h.run(async () => {
      const rows = (await this.h.script(JOB_STATS, [now])) as [
        string,
        number,
        number,
        number,
        number,
      ][];
      return rows.map(([kind, scheduled, due, running, failed]) => ({
        kind,
        scheduled,
        due,
        running,
        failed,
      }));
    });
  };

  purge(before: number): Promise<number> {
    return this.h.run(async () => {
      let total = 0;
      for (;;) {
        const n = (await this.h.script(PURGE_JOBS, [before, PURGE_CHUNK])) as number;
        total += n;
        if (n < PURGE_CHUNK) return total;
      }
    });
  }
}
