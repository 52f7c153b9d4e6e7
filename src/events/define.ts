import type { TSchema } from '@sinclair/typebox';

/**
 * How a module declares the events it emits, beside its code: as data, so that the bus's
 * types, the webhook API's list and docs/events.md are all made from one table.
 */

/** One event as a module declares it. */
export interface EventSpec<P extends TSchema = TSchema> {
  /** One line: what happened when this event is emitted. */
  description: string;
  /** The shape of the envelope's `data`. */
  payload: P;
}

/** One catalogued event: its declaration and the module that emits it. */
export interface EventDefinition<P extends TSchema = TSchema> extends EventSpec<P> {
  /** The module that emits it (`ratelimit`, `webhooks`): the docs group events by it. */
  module: string;
}

/** A module's events by name (dotted, lower case: `ratelimit.policy_created`). */
export type EventTable = Record<string, EventDefinition>;

/** Tags a module's event declarations with the module's name, keeping their types. */
export function defineEvents<T extends Record<string, EventSpec>>(
  module: string,
  specs: T,
): { [K in keyof T]: T[K] & { module: string } } {
  const out: Record<string, EventDefinition> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = { ...spec, module };
  return out as { [K in keyof T]: T[K] & { module: string } };
}
