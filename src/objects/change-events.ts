import type { EVENTS, EventSink, EventType } from '../events/catalogue.js';
import type { ObjectChange } from './change-payload.js';
import type { Stored } from './repository.js';
import type { Caller } from './tenancy.js';

/** The catalogued events whose payload is an `ObjectChange`. */
export type ObjectChangeEvent = {
  [K in EventType]: (typeof EVENTS)[K]['payload'] extends typeof ObjectChange ? K : never;
}[EventType];

/** One object as its change events name it. */
export interface ChangedObject {
  tenant_id: string | null;
  id: string;
  name: string | null;
  version: number;
}

/** A stored admin object as its change events name it: by key, else by its `name`. */
export function changedObject(o: Stored<object>): ChangedObject {
  const name = (o.data as { name?: unknown }).name;
  return {
    tenant_id: o.tenant_id,
    id: o.id,
    name: o.key ?? (typeof name === 'string' ? name : null),
    version: o.version,
  };
}

/** The events of one kind's verbs (each optional) and how an object of it is named in them. */
export interface ChangeEvents<D> {
  emit: EventSink<ObjectChangeEvent>;
  created?: ObjectChangeEvent;
  updated?: ObjectChangeEvent;
  deleted?: ObjectChangeEvent;
  /** The object as the events name it (default: `changedObject`). */
  describe?(o: D): ChangedObject;
}

/** The kinds whose verbs emit `{kind}.created`, `{kind}.updated` and `{kind}.deleted`. */
export type ChangeKind = {
  [E in ObjectChangeEvent]: E extends `${infer K}.created`
    ? `${K}.updated` | `${K}.deleted` extends ObjectChangeEvent
      ? K
      : never
    : never;
}[ObjectChangeEvent];

/** A kind's create, update and delete events, named by the house pattern `{kind}.{verb}`. */
export function crudEvents<D>(
  emit: EventSink<ObjectChangeEvent>,
  kind: ChangeKind,
  describe?: (o: D) => ChangedObject,
): ChangeEvents<D> {
  return {
    emit,
    created: `${kind}.created`,
    updated: `${kind}.updated`,
    deleted: `${kind}.deleted`,
    ...(describe ? { describe } : {}),
  };
}

/** Emits the change event of `type` for `o`, made by `caller`. */
export function emitChange<D>(
  events: Pick<ChangeEvents<D>, 'emit' | 'describe'>,
  type: ObjectChangeEvent,
  o: D,
  caller: Caller,
): void {
  const { tenant_id, ...object } = events.describe
    ? events.describe(o)
    : changedObject(o as Stored<object>);
  events.emit(type, tenant_id, { ...object, actor: caller.key_id });
}
