import { type JobRecord, SETTLED_STATUSES } from '../../scheduler/jobs.js';
import {
  byDue,
  copyJob,
  type JobKindStats,
  type JobStore,
  type NewJob,
  newJobRecord,
} from '../../scheduler/store.js';
import { StoreConflictError } from '../errors.js';
import type { OpenState } from './open-state.js';

/** Jobs in memory: a map by id and one of held keys; claims scan the unsettled jobs. */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  /** `tenant\0key` → id, for scheduled and running jobs. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly state: OpenState) {}

  async schedule(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    this.state.check();
    if (job.key !== null) {
      const held = this.keys.get(`${job.tenant_id}\0${job.key}`);
      if (held) return { job: copyJob(this.jobs.get(held)!), created: false };
    }
    if (this.jobs.has(job.id))
      throw new StoreConflictError(`A job with id ${job.id} already exists`);
    const record = newJobRecord(job);
    this.jobs.set(job.id, record);
    if (job.key !== null) this.keys.set(`${job.tenant_id}\0${job.key}`, job.id);
    return { job: copyJob(record), created: true };
  }

  async get(tenantId: string, id: string): Promise<JobRecord | null> {
    this.state.check();
    const job = this.jobs.get(id);
    return job && job.tenant_id === tenantId ? copyJob(job) : null;
  }

  async getByKey(tenantId: string, key: string): Promise<JobRecord | null> {
    this.state.check();
    const id = this.keys.get(`${tenantId}\0${key}`);
    return id ? copyJob(this.jobs.get(id)!) : null;
  }

  claim: JobStore['claim'] = async (kinds, limit, now, leaseMs, token) => {
    this.state.check();
    const wanted = new Set(kinds);
    const due = [...this.jobs.values()]
      .filter((j) => wanted.has(j.kind) && isClaimable(j, now))
      .sort(byDue)
      .slice(0, Math.max(0, limit));
    return due.map((j) => {
      j.status = 'running';
      j.attempts += 1;
      j.lease_token = token;
      j.lease_until = now + leaseMs;
      j.updated_at = now;
      return copyJob(j);
    });
  };

  complete: JobStore['complete'] = async (id, token, outcome, at) => {
    this.state.check();
    const j = this.jobs.get(id);
    if (j?.status !== 'running' || j.lease_token !== token) return false;
    j.status = outcome.status;
    j.lease_token = null;
    j.lease_until = null;
    j.updated_at = at;
    if (outcome.error !== undefined) j.last_error = outcome.error;
    if (outcome.status === 'scheduled') {
      j.run_at = outcome.run_at;
      if (outcome.reset_attempts) j.attempts = 0;
    } else this.release(j);
    return true;
  };

  async cancel(tenantId: string, id: string, at: number) {
    this.state.check();
    const j = this.jobs.get(id);
    if (!j || j.tenant_id !== tenantId) return null;
    if (SETTLED_STATUSES.includes(j.status)) return { job: copyJob(j), cancelled: false };
    j.status = 'cancelled';
    j.lease_token = null;
    j.lease_until = null;
    j.updated_at = at;
    this.release(j);
    return { job: copyJob(j), cancelled: true };
  }

  list: JobStore['list'] = async (tenantId, filter, limit) => {
    this.state.check();
    return [...this.jobs.values()]
      .filter(
        (j) =>
          j.tenant_id === tenantId &&
          (filter.kind === undefined || j.kind === filter.kind) &&
          (filter.status === undefined || j.status === filter.status) &&
          (filter.before === undefined || j.id < filter.before),
      )
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit))
      .map(copyJob);
  };

  async nextRunAt(kinds: readonly string[], after?: number): Promise<number | null> {
    this.state.check();
    let next: number | null = null;
    for (const j of this.jobs.values()) {
      if (
        j.status === 'scheduled' &&
        kinds.includes(j.kind) &&
        (after === undefined || j.run_at > after) &&
        (next === null || j.run_at < next)
      ) {
        next = j.run_at;
      }
    }
    return next;
  }

  stats: JobStore['stats'] = async (now) => {
    this.state.check();
    const byKind = new Map<string, JobKindStats>();
    for (const j of this.jobs.values()) {
      let s = byKind.get(j.kind);
      if (!s) {
        s = { kind: j.kind, scheduled: 0, due: 0, running: 0, failed: 0 };
        byKind.set(j.kind, s);
      }
      if (j.status === 'scheduled') s[j.run_at <= now ? 'due' : 'scheduled']++;
      else if (j.status === 'running') s[(j.lease_until as number) <= now ? 'due' : 'running']++;
      else if (j.status === 'failed') s.failed++;
    }
    return [...byKind.values()];
  };

  async purge(before: number): Promise<number> {
    this.state.check();
    let n = 0;
    for (const [id, j] of this.jobs) {
      if (SETTLED_STATUSES.includes(j.status) && j.updated_at < before) {
        this.jobs.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Frees the job's key once it is settled. */
  private release(j: JobRecord): void {
    if (j.key !== null && this.keys.get(`${j.tenant_id}\0${j.key}`) === j.id) {
      this.keys.delete(`${j.tenant_id}\0${j.key}`);
    }
  }
}

/** Scheduled and due, or running with its lease ended. */
function isClaimable(j: JobRecord, now: number): boolean {
  if (j.status === 'scheduled') return j.run_at <= now;
  return j.status === 'running' && (j.lease_until as number) <= now;
}
