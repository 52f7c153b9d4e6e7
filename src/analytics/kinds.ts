import type { ErrorCode } from '../core/errors.js';
import type { IdKind } from '../core/ids.js';
import type { ObjectKind } from '../objects/kind.js';
import type { Stored } from '../objects/repository.js';
import type { JobRecord } from '../scheduler/jobs.js';
import type { SchedulerService } from '../scheduler/service.js';
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
 * The one scheduler job an object of `object` holds while it is on (an enabled alert rule, an
 * active schedule): of kind `kind`, keyed `<keyPrefix>:<id>` so that each run happens on one
 * node only, its payload naming the object as `<payloadField>`. `nextOf` answers when it is
 * next due, null while it is switched off. The service arms and disarms it, the runner reads
 * the object back with `due`.
 */
export class ObjectJob<D> {
  constructor(
    readonly kind: string,
    private readonly object: ObjectKind,
    private readonly keyPrefix: string,
    private readonly payloadField: string,
    private readonly nextOf: (d: D) => number | null,
  ) {}

  private key(id: string): { key: string } {
    return { key: `${this.keyPrefix}:${id}` };
  }

  /** Schedules the object's job at its next time, if it has one. */
  async arm(scheduler: SchedulerService, o: Stored<D>): Promise<void> {
    const next = this.nextOf(o.data);
    if (next === null) return;
    const payload = { [this.payloadField]: o.id };
    await scheduler.schedule(o.tenant_id ?? 'default', this.kind, next, payload, this.key(o.id));
  }

  async disarm(scheduler: SchedulerService, o: Stored<D>): Promise<void> {
    await scheduler.cancel(o.tenant_id ?? 'default', this.key(o.id));
  }

  /**
   * The object a job is for while the job is still its next one: null once it is gone,
   * switched off or due at another time than the job's.
   */
  async due(objects: ObjectStore, job: JobRecord): Promise<Stored<D> | null> {
    const id = job.payload[this.payloadField] as string;
    const found = (await objects.get(this.object.kind, id)) as Stored<D> | null;
    return found && this.nextOf(found.data) === job.run_at ? found : null;
  }
}
