import type { Caller, ObjectRepository, Page, Stored } from './repository.js';
import type { ListQuery } from './schemas.js';

/**
 * The reads every admin object service answers the same way: a page of the kind's objects
 * the caller sees, and one of them by id, or by key as well where the kind's key is a name
 * people type (a policy's name, a plan's plan id). A service whose list takes filters of its
 * own overrides `list`.
 */
export abstract class ObjectReads<D extends object> {
  /** The repository of the service's kind. */
  protected abstract readonly repo: ObjectRepository<D>;
  /** `get` takes the object's key as well as its id. */
  protected readonly byKey: boolean = false;

  list(caller: Caller, query: ListQuery): Promise<Page<Stored<D>>> {
    return this.repo.list(caller, query);
  }

  /** By id, or where the kind is read by key, by key (the caller's tenant's, then a global one). */
  get(caller: Caller, idOrKey: string): Promise<Stored<D>> {
    return this.byKey ? this.repo.resolve(caller, idOrKey) : this.repo.get(caller, idOrKey);
  }
}

/**
 * A list filter keeping the objects whose data equals every field given (a field left
 * undefined does not filter); undefined when none is given, so that the store pages alone.
 */
export function matching<D extends object>(
  fields: Partial<Record<keyof D, unknown>>,
): ((o: Stored<D>) => boolean) | undefined {
  const wanted = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (wanted.length === 0) return undefined;
  return (o) => wanted.every(([k, v]) => (o.data as Record<string, unknown>)[k] === v);
}
