import type { ErrorCode } from '../core/errors.js';
import type { IdKind } from '../core/ids.js';
import type { ObjectKind } from '../objects/kind.js';
import type { Stored } from '../objects/repository.js';
import type { JobRecord } from '../scheduler/jobs.js';
import type { ObjectStore } from '../store/objects.js';

/**
 * A kind of analytics object whose global objects read every tenant's data: no tenant sees
 * them, and only an analytics:manage key bound to no tenant writes them (`refusal` says so).
 */
export function analyticsKind<K extends string>(
  kind: K,
  idKind: IdKind,
  notFound: ErrorCode,
  refusal: string,
): ObjectKind<K> {
  return {
    kind,
    idKind,
    notFound,
    global: { visibleToTenants: false, writeScope: 'analytics:manage', refusal },
  };
}

/**
 * The object of `kind` a job is for while the job is still its next one: null once it is
 * gone, switched off (`nextOf` answers null) or due at another time than the job's.
 */
export async function dueObject<D>(
  objects: ObjectStore,
  kind: ObjectKind,
  id: string,
  job: JobRecord,
  nextOf: (d: D) => number | null,
): Promise<Stored<D> | null> {
  const found = (await objects.get(kind.kind, id)) as Stored<D> | null;
  return found && nextOf(found.data) === job.run_at ? found : null;
}
