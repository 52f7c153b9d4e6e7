/**
 * Retention of workflow state: runs that ended more than `workflows.retention.runs_days` ago
 * and digest windows that closed (or were cancelled) more than
 * `workflows.retention.windows_days` ago are deleted for good by a periodic job
 * (0 days: kept forever). Running runs and open windows are kept however old.
 *
 * Both are objects in the object store, which lists a kind oldest first by creation. Nothing
 * ends before it was created, so a purge reads from the oldest and stops at the first one
 * created after the cutoff: it reads what it deletes, plus what is still under way from
 * before the cutoff (runs waiting on a long delay). Each deletion is at the version read, so
 * a run that changed meanwhile (or that another node's purge took) is left alone.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import { WINDOW_KIND } from './digest.js';
import type { WorkflowOptions } from './options.js';
import { RUN_KIND } from './runs.js';

const DAY_MS = 86_400_000;
/** Objects read per store call, and most objects one purge reads (a run stays short). */
const CHUNK = 500;
const READ_MAX = 50_000;

/** What one purge deleted. */
export interface Purged {
  runs: number;
  windows: number;
}

/** Whether an object of a kind is done with and was last changed before the cutoff. */
type Ended = (o: StoredObject, before: number) => boolean;

const runEnded: Ended = (o, before) => {
  const d = o.data as { status?: string; ended_at?: number | null };
  return d.status !== 'running' && typeof d.ended_at === 'number' && d.ended_at < before;
};

const windowEnded: Ended = (o, before) =>
  (o.data as { status?: string }).status !== 'open' && o.updated_at < before;

export class WorkflowRetention {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      clock: Clock;
      logger: Logger;
      retention: WorkflowOptions['retention'];
    },
  ) {}

  /** Deletes what is past retention now; how many runs and windows. */
  async run(): Promise<Purged> {
    const { clock, retention, logger } = this.deps;
    const now = clock.now();
    const days = { runs: retention.runs_days, windows: retention.windows_days };
    const purged: Purged = {
      runs: days.runs > 0 ? await this.purge(RUN_KIND, now - days.runs * DAY_MS, runEnded) : 0,
      windows:
        days.windows > 0
          ? await this.purge(WINDOW_KIND, now - days.windows * DAY_MS, windowEnded)
          : 0,
    };
    if (purged.runs + purged.windows > 0)
      logger.info({ ...purged, days }, 'deleted workflow runs and digest windows past retention');
    return purged;
  }

  private async purge(kind: string, before: number, ended: Ended): Promise<number> {
    const { objects } = this.deps;
    // `kept`: the objects before the cutoff left in place, so where the next chunk starts.
    let kept = 0;
    let deleted = 0;
    for (let read = 0; read < READ_MAX; ) {
      const { items } = await objects.list({ kind, offset: kept, limit: CHUNK });
      for (const o of items) {
        if (o.created_at >= before) return deleted;
        read++;
        if (!ended(o, before)) {
          kept++;
          continue;
        }
        const out = await objects.remove(kind, o.id, o.version);
        if (out.status === 'ok') deleted++;
        else if (out.status === 'version_conflict') kept++;
      }
      if (items.length < CHUNK) break;
    }
    return deleted;
  }
}
